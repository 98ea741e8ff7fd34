package news

import "testing"

// Feeds are outside input: any bytes parse or fail, never panic.
func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><title>a</title><media:content/><media:group></media:group></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="enclosure" type="image/x"/></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := parseFeed(body)
		if err == nil && items == nil {
			t.Fatal("nil items without an error")
		}
	})
}
