package settings

// Scope says who reads an environment variable.
type Scope int

const (
	// Server variables change how `openstream serve` (and the commands
	// sharing its wiring) behaves.
	Server Scope = iota
	// Command variables are read only by an operator command.
	Command
	// Test variables are read only by the test suite and its helpers.
	Test
	// Build variables are read by the Go toolchain, not the program.
	Build
)

// Variable is one environment variable of the program.
type Variable struct {
	Name    string
	Default string // as the README states it; "" for unset
	Scope   Scope
}

// Variables is the program's configuration table: every environment
// variable it reads, once. The README's table, the compose env file and the
// source code are checked against it (variables_test.go), so a variable is
// never read without being documented, nor documented or set and not read.
var Variables = []Variable{
	// The server and where it keeps its data (cmd, settings).
	{"OPENSTREAM_HTTP", "0.0.0.0:8000", Server},
	{"OPENSTREAM_DATA_DIR", "./pb_data", Server},
	{"OPENSTREAM_PUBLIC_DIR", "", Server},
	{"DJANGO_ENV", "production", Server},
	{"CORS_ALLOWED_ORIGINS", "http://localhost:5173,http://localhost:4173,http://localhost:4174", Server},
	{"FRONTEND_HOST", DefaultFrontendHost, Server},
	{"BACKEND_BASE_URL", "", Server},
	{"FRONTEND_PASSWORD_RESET_URL", "", Server},
	{"FRONTDESK_API_KEY", "", Server},
	{"TIME_ZONE", DefaultTimeZone, Server},
	{"SCREEN_ONLINE_WINDOW", "35m", Server},
	{"SCREEN_OFFLINE_AFTER", "2m", Server},
	{"ALERT_WEBHOOK_URL", "", Server},
	{"CREATE_SCREEN_RATE", "100", Server},

	// Sign-in limits (auth/loginlimit), shared through REDIS_URL.
	{"LOGIN_LIMIT_WINDOW", "15m", Server},
	{"LOGIN_LIMIT_PER_ACCOUNT", "10", Server},
	{"LOGIN_LIMIT_PER_ADDRESS", "30", Server},

	// Mail (settings).
	{"EMAIL_HOST", "", Server},
	{"EMAIL_PORT", "587", Server},
	{"EMAIL_USE_TLS", "True", Server},
	{"EMAIL_HOST_USER", "", Server},
	{"EMAIL_HOST_PASSWORD", "", Server},
	{"DEFAULT_FROM_EMAIL", DefaultFromEmail, Server},

	// Keycloak (keycloak, cmd/keycloak.go).
	{"KEYCLOAK_URL", "", Server},
	{"KEYCLOAK_INTERNAL_URL", "", Server},
	{"KEYCLOAK_HOST", "", Server},
	{"KEYCLOAK_INTERNAL_HOST", "", Server},
	{"KEYCLOAK_PORT", "", Server},
	{"KEYCLOAK_SCHEME", "http", Server},
	{"KEYCLOAK_CLIENT_ID", "openstream-api", Server},
	{"KEYCLOAK_TIMEOUT", "5", Server},
	{"KEYCLOAK_ADMIN_USERNAME", "admin", Command},
	{"KEYCLOAK_ADMIN_PASSWORD", "", Command},
	{"KEYCLOAK_REALM_FRONTEND_ORIGIN", "", Command},
	{"KEYCLOAK_REALM_BACKEND_BASE_URL", "", Command},

	// Media (media).
	{"AWS_S3_KEY", "", Server},
	{"AWS_ACCESS_KEY_ID", "", Server},
	{"AWS_S3_SECRET", "", Server},
	{"AWS_SECRET_ACCESS_KEY", "", Server},
	{"AWS_S3_BUCKET", "", Server},
	{"AWS_STORAGE_BUCKET_NAME", "", Server},
	{"AWS_S3_ENDPOINT_URL", "", Server},
	{"AWS_S3_INTERNAL_ENDPOINT_URL", "", Server},
	{"MINIO_PUBLIC_URL", "", Server},
	{"AWS_S3_REGION_NAME", "us-east-1", Server},
	{"AWS_S3_ADDRESSING_STYLE", "path", Server},
	{"MEDIA_MAX_UPLOAD_MB", "200", Server},
	{"PDFTOPPM_PATH", "pdftoppm", Server},

	// Postgres mirror (pgsync).
	{"DATABASE_URL", "", Server},
	{"DATABASE_HOST", "db", Server},
	{"DATABASE_PORT", "5432", Server},
	{"DATABASE_NAME", "db", Server},
	{"DATABASE_USERNAME", "db", Server},
	{"DATABASE_PASSWORD", "dbpassword", Server},

	// Realtime (realtime) and the integration caches (integrations).
	{"REDIS_URL", "", Server},
	{"REDIS_PREFIX", DefaultRedisPrefix, Server},
	{"OPENSTREAM_EVENTS_ADDR", ":3000", Server},
	{"OPENSTREAM_LOG_ROUTINE_REQUESTS", "false", Server},
	{"OPENSTREAM_LOG_SLOW_REQUESTS", "1s", Server},
	{"SCREEN_PING_INTERVAL", "30s", Server},
	{"WS_AUTH_TIMEOUT", "5s", Server},
	{"METRICS_TOKEN", "", Server},
	{"OPENSTREAM_PRIMARY_URL", "", Server},

	// Slide-type data sources (integrations).
	{"DDB_BASE_URLS", "", Server},
	{"DR_FEEDS_URL", "https://www.dr.dk/nyheder/service/feeds", Server},
	{"WEATHER_API_URL", "https://api.open-meteo.com/v1/forecast", Server},
	{"WINKAS_API_URL", "https://air.winkas.net/api", Server},
	{"WINKAS_USERNAME", "", Server},
	{"WINKAS_PW", "", Server},
	{"WINKAS_CONTRACTCODE", "", Server},
	{"KMD_API_URL", "https://booking-ltk.kmd.dk/kmd_webapi/api", Server},
	{"KMD_API_KEY", "", Server},
	{"INTEGRATIONS_REDIS_PREFIX", "", Server},
	{"INTEGRATIONS_HTTP_TIMEOUT", "15s", Server},
	{"INTEGRATIONS_ERROR_CACHE_TTL", "30s", Server},

	// The test suite (scripts/test.sh sets the first two).
	{"OPENSTREAM_TEST_POSTGRES_URL", "", Test},
	{"OPENSTREAM_TEST_REDIS_URL", "", Test},
	{"OPENSTREAM_TEST_REDIS_SERVER", "redis-server", Test},
	{"OPENSTREAM_TEST_RUN_MAIN", "", Test},
	{"OPENSTREAM_TEST_RUN_CMD", "", Test},
	{"OPENSTREAM_TEST_TEMPLATE_DIR", "", Test},

	{"GOTOOLCHAIN", "go1.27.3", Build},
}

// Lookup finds name in Variables.
func Lookup(name string) (Variable, bool) {
	for _, v := range Variables {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}
