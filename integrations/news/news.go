// Package news serves GET /api/rss/rss-to-json/: DR's news feeds as JSON
// (docs/api.md, "Slide-type data sources"), read with gofeed and cached for
// ten minutes.
package news

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/rest"
)

// cacheKey is upstream's: one entry holds every feed.
const cacheKey = "rss_news_data"

// Mount adds the route; feeds are read from baseURL + "/" + the feed's
// last path segment ("indland", ...).
func Mount(r *router.Router[*core.RequestEvent], d *upstream.Deps, baseURL string) {
	n := &newsSource{deps: d, tables: data.Load(), baseURL: strings.TrimRight(baseURL, "/")}
	rest.Route(r, "/api/rss/rss-to-json/", rest.Methods{http.MethodGet: n.serve})
}

type newsSource struct {
	deps    *upstream.Deps
	tables  data.Tables
	baseURL string
}

// feed is one feed's part of the answer; Error is set when it could not
// be read (the others are still served).
type feed struct {
	Name  string `json:"name"`
	Items []item `json:"items"`
	Error string `json:"error,omitempty"`
}

type item struct {
	Title     string `json:"title"`
	Link      string `json:"link"`
	Published string `json:"published"`
	Summary   string `json:"summary"`
	Image     string `json:"image"`
}

func (n *newsSource) serve(e *core.RequestEvent) error {
	list, err := n.deps.Load(e.Request.Context(), cacheKey, n.fetchAll)
	if err != nil {
		f := upstream.AsFailure(err)
		if f.Timeout {
			return rest.Keyed(http.StatusServiceUnavailable, "error", "Failed to fetch the news feeds: "+f.Msg)
		}
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]json.RawMessage{"news": list})
}

// fetchAll reads every feed at once. A partial result is kept only as long
// as a failure; if every feed timed out, the answer is a 503.
func (n *newsSource) fetchAll(ctx context.Context) ([]byte, time.Duration, error) {
	feeds := make([]feed, len(n.tables.Feeds))
	timedOut := make([]bool, len(feeds))
	var wg sync.WaitGroup
	for i, f := range n.tables.Feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			items, err := n.fetchFeed(ctx, f.Slug)
			feeds[i] = feed{Name: f.Name, Items: items}
			if err != nil {
				fail := upstream.AsFailure(err)
				feeds[i] = feed{Name: f.Name, Items: []item{}, Error: "Failed to fetch " + f.Name + ": " + fail.Msg}
				timedOut[i] = fail.Timeout
			}
		}()
	}
	wg.Wait()

	failed, timeouts := 0, 0
	for i := range feeds {
		if feeds[i].Error != "" {
			failed++
		}
		if timedOut[i] {
			timeouts++
		}
	}
	if failed == len(feeds) && timeouts > 0 {
		return nil, 0, &upstream.Failure{Timeout: true, Msg: "the upstream service did not answer in time"}
	}
	ttl := n.tables.TTL.News
	if failed > 0 {
		ttl = n.deps.ErrorTTL
	}
	body, err := json.Marshal(feeds)
	return body, ttl, err
}

func (n *newsSource) fetchFeed(ctx context.Context, slug string) ([]item, error) {
	body, err := n.deps.Get(ctx, n.baseURL+"/"+slug, nil)
	if err != nil {
		return nil, err
	}
	return parseFeed(body)
}

// parseFeed turns an RSS or Atom document into the answer's items.
func parseFeed(body []byte) ([]item, error) {
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	items := make([]item, 0, len(parsed.Items))
	for _, it := range parsed.Items {
		if it == nil {
			continue
		}
		items = append(items, item{
			Title:     it.Title,
			Link:      it.Link,
			Published: it.Published,
			Summary:   it.Description,
			Image:     imageOf(it),
		})
	}
	return items, nil
}

// imageOf is the first media:content URL (also inside a media:group), as
// feedparser's media_content[0] was; without one, an image enclosure.
func imageOf(it *gofeed.Item) string {
	if media := it.Extensions["media"]; media != nil {
		if c := media["content"]; len(c) > 0 {
			return c[0].Attrs["url"]
		}
		for _, g := range media["group"] {
			if c := g.Children["content"]; len(c) > 0 {
				return c[0].Attrs["url"]
			}
		}
	}
	for _, enc := range it.Enclosures {
		if enc != nil && strings.HasPrefix(enc.Type, "image/") {
			return enc.URL
		}
	}
	return ""
}
