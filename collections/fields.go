package collections

import (
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Record ids are numeric strings (docs/architecture.md,
// "Records and invariants"): the same value is a JSON number on the OpenStream
// API and a string on PocketBase's.
const (
	// IdPattern forbids leading zeros so that "015" and "15" cannot name two records.
	IdPattern = `^[1-9][0-9]{0,15}$`
	// IdAutogeneratePattern yields 15 digits, always below 2^53.
	IdAutogeneratePattern = `[1-9][0-9]{14}`
	// MaxId is the largest id a JSON number can carry exactly (2^53-1).
	MaxId = 1<<53 - 1
)

// useNumericIds switches a collection's id field to numeric ids. With a
// pattern other than its default, PocketBase checks a new id with
// "id = ? COLLATE NOCASE", which the primary key cannot serve: every create
// scanned the whole table until the NOCASE index below (imports slowed
// from O(n log n) to O(n^2)).
func useNumericIds(c *core.Collection) {
	c.AddIndex(IdLookupIndex(c.Name), false, "id COLLATE NOCASE", "")
	id := c.Fields.GetByName(core.FieldNameId).(*core.TextField)
	id.Pattern = IdPattern
	id.AutogeneratePattern = IdAutogeneratePattern
	id.Min = 1
	id.Max = 16
}

func newBase(name string) *core.Collection {
	c := core.NewBaseCollection(name, Id(name))
	useNumericIds(c)
	return c
}

// Field constructors: short names keep the definitions readable as tables.

func text(name string, max int, required bool) *core.TextField {
	return &core.TextField{Name: name, Max: max, Required: required}
}

// pattern is a short text field that must match a regular expression.
func pattern(name, re string, required bool) *core.TextField {
	return &core.TextField{Name: name, Max: 64, Pattern: re, Required: required}
}

// rel is a single relation. cascade mirrors Django's on_delete=CASCADE; without
// it an optional relation is cleared when its target goes (SET_NULL).
func rel(name, target string, required, cascade bool) *core.RelationField {
	return &core.RelationField{Name: name, CollectionId: Id(target), MaxSelect: 1, Required: required, CascadeDelete: cascade}
}

// many is a many-to-many relation (a Django ManyToManyField).
func many(name, target string) *core.RelationField {
	return &core.RelationField{Name: name, CollectionId: Id(target), MaxSelect: 999}
}

func boolean(name string) *core.BoolField { return &core.BoolField{Name: name} }

func integer(name string, min, max *float64) *core.NumberField {
	return &core.NumberField{Name: name, OnlyInt: true, Min: min, Max: max}
}

func choice(name string, required bool, values ...string) *core.SelectField {
	return &core.SelectField{Name: name, Required: required, MaxSelect: 1, Values: values}
}

func jsonData(name string) *core.JSONField {
	return &core.JSONField{Name: name, MaxSize: MaxJSONSize}
}

func created(name string) *core.AutodateField {
	return &core.AutodateField{Name: name, OnCreate: true}
}

func updated(name string) *core.AutodateField {
	return &core.AutodateField{Name: name, OnCreate: true, OnUpdate: true}
}

func num(v float64) *float64 { return types.Pointer(v) }

// MaxJSONSize bounds slide and wayfinding JSON. Slides embed images as data
// URLs, so PocketBase's 1 MB default is too small for real decks.
const MaxJSONSize = 32 << 20

// MaxTokenLength bounds stored Keycloak tokens (ID tokens with many claims
// exceed PocketBase's default 5000-character text limit).
const MaxTokenLength = 65536

// ParseID turns an id from the outside world (a path segment, a query value,
// a JSON number) into the record id it names: digits only, leading zeros
// ignored as upstream's int() ignores them, 1..MaxId. Anything else names
// no record.
func ParseID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 20 {
		return "", false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || n > MaxId {
		return "", false
	}
	return strconv.FormatUint(n, 10), true
}

// IdLookupIndex names the index that serves PocketBase's id check.
func IdLookupIndex(collection string) string { return "idx_" + collection + "_id_nocase" }
