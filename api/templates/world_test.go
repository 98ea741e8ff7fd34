package templates_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/openstream-go/openstream/api/templates"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/settings"
)

// world is apitest's served app with the templates routes.
type world struct{ *apitest.World }

func newWorld(t testing.TB) *world {
	t.Helper()
	cfg := templates.Config{Settings: settings.FromEnv(func(string) string { return "" })}
	return &world{apitest.NewWorld(t, apitest.Mount(templates.Mount, cfg))}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
