package schema

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// Checksum digests every record of a collection in its upstream shape:
// two data dirs with the same checksum hold the same mirrored data, field
// for field (secrets PocketBase keeps outside the upstream schema, such as
// token keys, are not part of it).
func Checksum(app core.App, t Table) (sum string, count int, err error) {
	var rows []Row
	err = EachPage(app, t.Collection, 1000, func(page []*core.Record) error {
		for _, r := range page {
			row, err := t.Export(r)
			if err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	slices.SortFunc(rows, func(a, b Row) int { return cmp.Compare(a.ID, b.ID) })
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return "", 0, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), len(rows), nil
}
