package rest

import (
	"strconv"
	"strings"
)

// Page is Django's Paginator envelope (docs/api.md, "Page envelope").
type Page struct {
	Count        int   `json:"count"`
	NumPages     int   `json:"num_pages"`
	CurrentPage  int   `json:"current_page"`
	ItemsPerPage int   `json:"items_per_page"`
	Next         *int  `json:"next"`
	Previous     *int  `json:"previous"`
	Results      []any `json:"results"`
}

// Paginate cuts one page out of items. page is parsed as Python's int()
// would (a non-number is page 1); a page below 1 or past the end is the last
// page, as upstream's views do. A size below 1 is defaultSize (upstream
// crashed on it).
func Paginate(items []any, page, size string, defaultSize int) Page {
	n, err := strconv.Atoi(strings.TrimSpace(page))
	if err != nil {
		n = 1
	}
	per, err := strconv.Atoi(strings.TrimSpace(size))
	if err != nil || per < 1 {
		per = defaultSize
	}
	pages := (len(items) + per - 1) / per
	if pages == 0 {
		pages = 1
	}
	if n < 1 || n > pages {
		n = pages
	}
	from := min((n-1)*per, len(items))
	to := min(from+per, len(items))
	p := Page{Count: len(items), NumPages: pages, CurrentPage: n, ItemsPerPage: per, Results: items[from:to:to]}
	if n < pages {
		next := n + 1
		p.Next = &next
	}
	if n > 1 {
		prev := n - 1
		p.Previous = &prev
	}
	if p.Results == nil {
		p.Results = []any{}
	}
	return p
}
