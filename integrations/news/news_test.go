package news_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/itest"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/integrations/news"
	"github.com/openstream-go/openstream/internal/apitest"
)

// Recorded-shape feeds: DR's RSS with media:content, an Atom feed with an
// image enclosure, an RSS item without any image.
const (
	indland = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Indland</title><link>https://www.dr.dk/nyheder/indland</link>
<item><title>Regeringen &amp; folketinget</title><link>https://www.dr.dk/nyheder/indland/a</link>
<pubDate>Tue, 02 Jun 2026 08:00:00 GMT</pubDate><description>Kort &lt;b&gt;resumé&lt;/b&gt;</description>
<media:content url="https://asset.dr.dk/a.jpg" medium="image" type="image/jpeg"/></item>
<item><title>Uden billede</title><link>https://www.dr.dk/nyheder/indland/b</link><description>Tekst</description></item>
</channel></rss>`
	udland = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Udland</title>
<entry><title>Valg i udlandet</title><link href="https://www.dr.dk/nyheder/udland/c"/>
<link rel="enclosure" type="image/png" href="https://asset.dr.dk/c.png"/>
<published>2026-06-02T07:00:00Z</published><summary>Resumé</summary><id>c</id><updated>2026-06-02T07:00:00Z</updated></entry>
</feed>`
	grouped = `<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Penge</title>
<item><title>Renten</title><link>https://www.dr.dk/p</link><media:group><media:content url="https://asset.dr.dk/p.jpg"/></media:group>
<enclosure url="https://asset.dr.dk/p.mp3" type="audio/mpeg" length="1"/></item></channel></rss>`
	empty = `<?xml version="1.0"?><rss version="2.0"><channel><title>Tom</title></channel></rss>`
)

type fakeDR struct {
	srv   *httptest.Server
	calls itest.Counter
	mu    sync.Mutex
	// broken feeds answer 500.
	broken map[string]bool
}

func newFakeDR(t *testing.T) *fakeDR {
	f := &fakeDR{broken: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Inc()
		slug := strings.TrimPrefix(r.URL.Path, "/feeds/")
		f.mu.Lock()
		broken := f.broken[slug]
		f.mu.Unlock()
		switch {
		case broken:
			http.Error(w, "down", http.StatusInternalServerError)
		case slug == "indland":
			fmt.Fprint(w, indland)
		case slug == "udland":
			fmt.Fprint(w, udland)
		case slug == "penge":
			fmt.Fprint(w, grouped)
		case slug == "vejret":
			fmt.Fprint(w, "<html>not a feed</html>")
		default:
			fmt.Fprint(w, empty)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDR) breakFeed(slug string, broken bool) {
	f.mu.Lock()
	f.broken[slug] = broken
	f.mu.Unlock()
}

func newWorld(t *testing.T, base string) *itest.World {
	return itest.New(t, func(r *router.Router[*core.RequestEvent], d *upstream.Deps) { news.Mount(r, d, base) })
}

type answer struct {
	News []struct {
		Name  string            `json:"name"`
		Items []json.RawMessage `json:"items"`
		Error *string           `json:"error"`
	} `json:"news"`
}

func TestNews(t *testing.T) {
	f := newFakeDR(t)
	w := newWorld(t, f.srv.URL+"/feeds/")
	got := w.Get(t, "/api/rss/rss-to-json")
	itest.Expect(t, got, http.StatusOK, "")
	var a answer
	if err := json.Unmarshal(got.Body, &a); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, n := range a.News {
		names = append(names, n.Name)
	}
	if strings.Join(names, "|") != "Indland|Udland|Penge|Politik|Sporten|Seneste sport|Viden|Kultur|Musik|Mit liv|Mad|Vejret|Alle nyheder" {
		t.Fatalf("feeds %v", names)
	}
	for i, want := range []string{
		`[{"title":"Regeringen & folketinget","link":"https://www.dr.dk/nyheder/indland/a","published":"Tue, 02 Jun 2026 08:00:00 GMT","summary":"Kort <b>resumé</b>","image":"https://asset.dr.dk/a.jpg"},{"title":"Uden billede","link":"https://www.dr.dk/nyheder/indland/b","published":"","summary":"Tekst","image":""}]`,
		`[{"title":"Valg i udlandet","link":"https://www.dr.dk/nyheder/udland/c","published":"2026-06-02T07:00:00Z","summary":"Resumé","image":"https://asset.dr.dk/c.png"}]`,
		`[{"title":"Renten","link":"https://www.dr.dk/p","published":"","summary":"","image":"https://asset.dr.dk/p.jpg"}]`,
	} {
		items, _ := json.Marshal(a.News[i].Items)
		if !apitest.SameJSON(items, []byte(want)) || a.News[i].Error != nil {
			t.Errorf("%s: %s", a.News[i].Name, items)
		}
	}
	// A page that is not a feed is that feed's error; the rest still come.
	if v := a.News[11]; v.Error == nil || *v.Error != "Failed to fetch Vejret: failed to detect feed type" || len(v.Items) != 0 {
		t.Errorf("Vejret %+v", v)
	}
	if v := a.News[3]; v.Error != nil || len(v.Items) != 0 {
		t.Errorf("empty feed %+v", v)
	}
	if !strings.Contains(string(got.Body), `"items":[]`) {
		t.Error("an empty feed must have items: []")
	}
}

func TestNewsCache(t *testing.T) {
	f := newFakeDR(t)
	w := newWorld(t, f.srv.URL+"/feeds")
	w.Get(t, "/api/rss/rss-to-json/")
	first := f.calls.N()
	if first != 13 {
		t.Fatalf("%d feed calls, want 13", first)
	}
	// Vejret is not a feed, so the answer is partial and kept only 30 s.
	w.Clock.Advance(29 * time.Second)
	w.Get(t, "/api/rss/rss-to-json/")
	if f.calls.N() != 13 {
		t.Fatal("partial answer not reused within the error period")
	}
	w.Clock.Advance(time.Second)
	w.Get(t, "/api/rss/rss-to-json/")
	if f.calls.N() != 26 {
		t.Fatalf("%d calls, partial answer kept too long", f.calls.N())
	}
}

func TestNewsCompleteAnswerKeptTenMinutes(t *testing.T) {
	f := newFakeDR(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Inc()
		fmt.Fprint(w, indland)
	}))
	t.Cleanup(srv.Close)
	w := newWorld(t, srv.URL)
	w.Get(t, "/api/rss/rss-to-json/")
	w.Clock.Advance(9*time.Minute + 59*time.Second)
	w.Get(t, "/api/rss/rss-to-json/")
	if f.calls.N() != 13 {
		t.Fatalf("%d calls within 10 minutes", f.calls.N())
	}
	w.Clock.Advance(time.Second)
	w.Get(t, "/api/rss/rss-to-json/")
	if f.calls.N() != 26 {
		t.Fatalf("%d calls after 10 minutes", f.calls.N())
	}
}

func TestNewsServerErrors(t *testing.T) {
	f := newFakeDR(t)
	f.breakFeed("mad", true)
	w := newWorld(t, f.srv.URL+"/feeds")
	var a answer
	got := w.Get(t, "/api/rss/rss-to-json/")
	itest.Expect(t, got, 200, "")
	_ = json.Unmarshal(got.Body, &a)
	if v := a.News[10]; v.Name != "Mad" || v.Error == nil || *v.Error != "Failed to fetch Mad: upstream answered HTTP 500" {
		t.Fatalf("%+v", v)
	}
}

func TestNewsTimeout(t *testing.T) {
	hang := itest.Hanging(t)
	w := newWorld(t, hang.URL)
	w.Deps.Timeout = 50 * time.Millisecond
	itest.Expect(t, w.Get(t, "/api/rss/rss-to-json/"), http.StatusServiceUnavailable,
		`{"error":"Failed to fetch the news feeds: the upstream service did not answer in time"}`)
	itest.Expect(t, w.Do(t, http.MethodPost, "/api/rss/rss-to-json/", nil), 405, `{"detail":"Method \"POST\" not allowed."}`)
}
