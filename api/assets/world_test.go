package assets_test

import (
	"testing"

	"github.com/openstream-go/openstream/api/assets"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/settings"
)

// world is apitest's served app with the assets routes.
type world struct{ *apitest.World }

func newWorld(t testing.TB) *world {
	t.Helper()
	cfg := assets.Config{Settings: settings.FromEnv(func(string) string { return "" })}
	return &world{apitest.NewWorld(t, apitest.Mount(assets.Mount, cfg))}
}
