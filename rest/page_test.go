package rest

import (
	"reflect"
	"testing"
)

func TestPaginate(t *testing.T) {
	items := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	ptr := func(n int) *int { return &n }
	tests := []struct {
		name       string
		n          int
		page, size string
		want       Page
	}{
		{"first page", 25, "1", "10", Page{25, 3, 1, 10, ptr(2), nil, items(10)}},
		{"middle page", 25, "2", "10", Page{25, 3, 2, 10, ptr(3), ptr(1), items(20)[10:]}},
		{"last page is short", 25, "3", "10", Page{25, 3, 3, 10, nil, ptr(2), items(25)[20:]}},
		{"past the end gives the last page", 25, "9", "10", Page{25, 3, 3, 10, nil, ptr(2), items(25)[20:]}},
		{"below 1 gives the last page", 25, "0", "10", Page{25, 3, 3, 10, nil, ptr(2), items(25)[20:]}},
		{"not a number is page 1", 25, "abc", "10", Page{25, 3, 1, 10, ptr(2), nil, items(10)}},
		{"empty list has one page", 0, "1", "10", Page{0, 1, 1, 10, nil, nil, []any{}}},
		{"bad size uses the default", 3, "1", "-5", Page{3, 1, 1, 10, nil, nil, items(3)}},
		{"missing size uses the default", 3, "", "", Page{3, 1, 1, 10, nil, nil, items(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Paginate(items(tt.n), tt.page, tt.size, 10)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
