package main

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/bts/photo"
)

// Config is every setting of the program, read once from the environment.
type Config struct {
	DatabaseURL       string // DATABASE_URL (several hosts and target_session_attrs=read-write for a standby)
	DatabaseReplica   string // DATABASE_REPLICA_URL: a read replica for reports, exports and analytics; empty = DATABASE_URL
	RedisURL          string // REDIS_URL; empty (and no Sentinel or Cluster) = embedded in-process Redis
	Redis             RedisConfig
	RedisPrefix       string        // ANTRIAN_REDIS_PREFIX
	Addr              string        // ANTRIAN_ADDR
	DebugAddr         string        // ANTRIAN_DEBUG_ADDR: pprof listener, off when empty
	Timezone          string        // ANTRIAN_TIMEZONE: zone of facilities created without one
	Secret            []byte        // ANTRIAN_SECRET (hex, 32+ bytes); empty = generated and kept in Postgres
	LogLevel          slog.Level    // ANTRIAN_LOG_LEVEL
	LogFormat         string        // ANTRIAN_LOG_FORMAT: text or json
	SecureCookies     bool          // ANTRIAN_SECURE_COOKIES
	TrustProxyHeader  string        // ANTRIAN_TRUST_PROXY_HEADER
	ReconcileInterval time.Duration // ANTRIAN_RECONCILE_INTERVAL
	ShutdownTimeout   time.Duration // ANTRIAN_SHUTDOWN_TIMEOUT
	Demo              bool          // ANTRIAN_DEMO: serve seeds the demo facility at start
	PublicURL         string        // ANTRIAN_PUBLIC_URL: base of links sent to patients
	TrustedProxies    []*net.IPNet  // ANTRIAN_TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed
	RatePerAddr       int           // ANTRIAN_RATE_BOOKING_PER_ADDR: bookings a minute from one address (0 off)
	RatePerPerson     int           // ANTRIAN_RATE_BOOKING_PER_PERSON: bookings a day for one person (0 off)
	RetentionDays     int           // ANTRIAN_RETENTION_DAYS: days a ticket keeps name, phone, NIK, BPJS (0 forever)
	Notify            NotifyConfig
	WhatsApp          WhatsAppConfig
	PhotoDir          string // ANTRIAN_PHOTO_DIR: where BTS delivery photos are stored (default ./data/photos)
	// PhotoS3 is the bucket BTS delivery photos are stored in instead of
	// PhotoDir (ANTRIAN_PHOTO_S3_*, see loadPhotoS3); nil: on disk.
	PhotoS3 *photo.S3Config
}

// RedisConfig is how the service reaches a replicated Redis: through
// Sentinel (SentinelAddrs and Master) or a Redis Cluster (ClusterAddrs). At
// most one of these and Config.RedisURL is set.
type RedisConfig struct {
	SentinelAddrs    []string // REDIS_SENTINEL_ADDRS: host:port of the sentinels, separated by commas
	Master           string   // REDIS_SENTINEL_MASTER: the master's name the sentinels monitor
	SentinelPassword string   // REDIS_SENTINEL_PASSWORD: the sentinels' own password, if any
	ClusterAddrs     []string // REDIS_CLUSTER_ADDRS: host:port of some cluster nodes, separated by commas
	Username         string   // REDIS_USERNAME: ACL user of the data nodes (Sentinel and Cluster)
	Password         string   // REDIS_PASSWORD: password of the data nodes (Sentinel and Cluster)
}

// NotifyConfig is how patient messages leave the service.
type NotifyConfig struct {
	WebhookURL     string // ANTRIAN_WEBHOOK_URL
	WebhookSecret  string // ANTRIAN_WEBHOOK_SECRET
	Gateway        string // ANTRIAN_GATEWAY: fonnte, wablas, starsender, zenziva, whatsapp-cloud
	GatewayURL     string // ANTRIAN_GATEWAY_URL: overrides the preset's URL (per-account hosts)
	GatewayToken   string // ANTRIAN_GATEWAY_TOKEN
	GatewaySecret  string // ANTRIAN_GATEWAY_SECRET
	GatewayChannel string // ANTRIAN_GATEWAY_CHANNEL: whatsapp or sms (default by preset)
	Channel        string // ANTRIAN_NOTIFY_CHANNEL: channel of phone messages (default: webhook if set, else the gateway's)
	VAPIDPublic    string // ANTRIAN_VAPID_PUBLIC_KEY (generated and kept in Postgres when unset)
	VAPIDPrivate   string // ANTRIAN_VAPID_PRIVATE_KEY
	VAPIDSubject   string // ANTRIAN_VAPID_SUBJECT: contact for push services (mailto: or https:)
	Worker         bool   // ANTRIAN_NOTIFY_WORKER: run the delivery worker in this instance (default true)
}

// WhatsAppConfig is how patients queue by writing to the facility's
// WhatsApp number (the incoming webhooks of package whatsapp).
type WhatsAppConfig struct {
	Secret      string   // ANTRIAN_WHATSAPP_SECRET: ?secret= of fonnte/wablas/starsender, HMAC key of the generic webhook
	AppSecret   string   // ANTRIAN_WHATSAPP_APP_SECRET: Meta app secret (X-Hub-Signature-256)
	VerifyToken string   // ANTRIAN_WHATSAPP_VERIFY_TOKEN: WhatsApp Cloud's subscription handshake
	MaxTickets  int      // ANTRIAN_WHATSAPP_MAX_TICKETS: active tickets one number may hold a day (0 no limit)
	PerMinute   int      // ANTRIAN_WHATSAPP_RATE_PER_MINUTE: messages a minute from one number (0 no limit)
	NameUnits   []string // ANTRIAN_WHATSAPP_NAME_UNITS: unit codes that ask for the patient's name ("*" all, "-" none)
}

// loadWhatsApp reads the WhatsApp settings.
func loadWhatsApp(getenv func(string) string, bad func(name, format string, args ...any)) WhatsAppConfig {
	w := WhatsAppConfig{Secret: getenv("ANTRIAN_WHATSAPP_SECRET"), AppSecret: getenv("ANTRIAN_WHATSAPP_APP_SECRET"),
		VerifyToken: getenv("ANTRIAN_WHATSAPP_VERIFY_TOKEN"), MaxTickets: 3, PerMinute: 10, NameUnits: []string{"*"}}
	for name, dst := range map[string]*int{"ANTRIAN_WHATSAPP_MAX_TICKETS": &w.MaxTickets, "ANTRIAN_WHATSAPP_RATE_PER_MINUTE": &w.PerMinute} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				bad(name, "want a whole number, 0 to turn the limit off")
			}
			*dst = n
		}
	}
	if v := strings.TrimSpace(getenv("ANTRIAN_WHATSAPP_NAME_UNITS")); v != "" {
		w.NameUnits = nil
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u != "" && u != "-" {
				w.NameUnits = append(w.NameUnits, u)
			}
		}
	}
	if len(w.Secret) > 0 && len(w.Secret) < 16 {
		bad("ANTRIAN_WHATSAPP_SECRET", "want at least 16 characters")
	}
	return w
}

// LoadConfig reads and validates the configuration. Every error names the
// variable at fault.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:       "postgres://localhost:5432/antrian?sslmode=disable",
		RedisPrefix:       "antrian:",
		Addr:              ":8080",
		Timezone:          "Asia/Jakarta",
		LogFormat:         "text",
		ReconcileInterval: 15 * time.Second,
		ShutdownTimeout:   10 * time.Second,
		PhotoDir:          "./data/photos",
	}
	var errs []string
	bad := func(name, format string, args ...any) {
		errs = append(errs, name+": "+fmt.Sprintf(format, args...))
	}
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("DATABASE_URL", &c.DatabaseURL)
	str("DATABASE_REPLICA_URL", &c.DatabaseReplica)
	str("REDIS_URL", &c.RedisURL)
	loadRedis(getenv, &c, bad)
	str("ANTRIAN_REDIS_PREFIX", &c.RedisPrefix)
	str("ANTRIAN_ADDR", &c.Addr)
	str("ANTRIAN_DEBUG_ADDR", &c.DebugAddr)
	str("ANTRIAN_TIMEZONE", &c.Timezone)
	str("ANTRIAN_LOG_FORMAT", &c.LogFormat)
	str("ANTRIAN_TRUST_PROXY_HEADER", &c.TrustProxyHeader)
	str("ANTRIAN_PHOTO_DIR", &c.PhotoDir)

	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad("DATABASE_URL", "want postgres://user@host:port/db, got %q", c.DatabaseURL)
	}
	if c.DatabaseReplica != "" {
		if u, err := url.Parse(c.DatabaseReplica); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("DATABASE_REPLICA_URL", "want postgres://user@host:port/db or empty to read from DATABASE_URL")
		}
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		bad("ANTRIAN_TIMEZONE", "unknown time zone %q", c.Timezone)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("ANTRIAN_LOG_FORMAT", "want text or json")
	}
	if v := getenv("ANTRIAN_SECRET"); v != "" {
		b, err := hex.DecodeString(v)
		if err != nil || len(b) < 32 {
			bad("ANTRIAN_SECRET", "want at least 32 bytes in hex (64 hex digits)")
		}
		c.Secret = b
	}
	if v := getenv("ANTRIAN_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("ANTRIAN_LOG_LEVEL", "want debug, info, warn or error")
		}
	}
	if v := getenv("ANTRIAN_SECURE_COOKIES"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("ANTRIAN_SECURE_COOKIES", "want true or false")
		}
		c.SecureCookies = b
	}
	c.PublicURL = "http://localhost:8080"
	str("ANTRIAN_PUBLIC_URL", &c.PublicURL)
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("ANTRIAN_PUBLIC_URL", "want an http(s) URL like https://antrian.example.go.id")
	}
	n := &c.Notify
	n.VAPIDSubject = "mailto:admin@localhost"
	n.Worker = true
	str("ANTRIAN_WEBHOOK_URL", &n.WebhookURL)
	str("ANTRIAN_WEBHOOK_SECRET", &n.WebhookSecret)
	str("ANTRIAN_GATEWAY", &n.Gateway)
	str("ANTRIAN_GATEWAY_URL", &n.GatewayURL)
	str("ANTRIAN_GATEWAY_TOKEN", &n.GatewayToken)
	str("ANTRIAN_GATEWAY_SECRET", &n.GatewaySecret)
	str("ANTRIAN_GATEWAY_CHANNEL", &n.GatewayChannel)
	str("ANTRIAN_NOTIFY_CHANNEL", &n.Channel)
	str("ANTRIAN_VAPID_PUBLIC_KEY", &n.VAPIDPublic)
	str("ANTRIAN_VAPID_PRIVATE_KEY", &n.VAPIDPrivate)
	str("ANTRIAN_VAPID_SUBJECT", &n.VAPIDSubject)
	if n.WebhookURL != "" {
		if u, err := url.Parse(n.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			bad("ANTRIAN_WEBHOOK_URL", "want an http(s) URL")
		}
		if n.WebhookSecret == "" {
			bad("ANTRIAN_WEBHOOK_SECRET", "required with ANTRIAN_WEBHOOK_URL (receivers check the signature)")
		}
	}
	if n.Gateway != "" {
		if n.GatewayToken == "" {
			bad("ANTRIAN_GATEWAY_TOKEN", "required with ANTRIAN_GATEWAY")
		}
		if n.GatewayChannel == "" {
			n.GatewayChannel = "whatsapp"
			if n.Gateway == "zenziva" {
				n.GatewayChannel = "sms"
			}
		}
		if n.GatewayChannel != "whatsapp" && n.GatewayChannel != "sms" {
			bad("ANTRIAN_GATEWAY_CHANNEL", "want whatsapp or sms")
		}
	}
	if n.Channel == "" {
		switch {
		case n.WebhookURL != "":
			n.Channel = "webhook"
		case n.Gateway != "":
			n.Channel = n.GatewayChannel
		}
	}
	switch {
	case n.Channel == "":
	case n.Channel == "webhook" && n.WebhookURL == "":
		bad("ANTRIAN_NOTIFY_CHANNEL", "webhook needs ANTRIAN_WEBHOOK_URL")
	case (n.Channel == "whatsapp" || n.Channel == "sms") && n.Channel != n.GatewayChannel:
		bad("ANTRIAN_NOTIFY_CHANNEL", "%s needs ANTRIAN_GATEWAY with that channel", n.Channel)
	case n.Channel != "webhook" && n.Channel != "whatsapp" && n.Channel != "sms":
		bad("ANTRIAN_NOTIFY_CHANNEL", "want webhook, whatsapp or sms")
	}
	if (n.VAPIDPublic == "") != (n.VAPIDPrivate == "") {
		bad("ANTRIAN_VAPID_PRIVATE_KEY", "set both ANTRIAN_VAPID_PUBLIC_KEY and ANTRIAN_VAPID_PRIVATE_KEY, or neither")
	}
	if v := getenv("ANTRIAN_NOTIFY_WORKER"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("ANTRIAN_NOTIFY_WORKER", "want true or false")
		}
		n.Worker = b
	}
	c.RatePerAddr, c.RatePerPerson, c.RetentionDays = 30, 10, 90
	for name, dst := range map[string]*int{"ANTRIAN_RATE_BOOKING_PER_ADDR": &c.RatePerAddr,
		"ANTRIAN_RATE_BOOKING_PER_PERSON": &c.RatePerPerson, "ANTRIAN_RETENTION_DAYS": &c.RetentionDays} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				bad(name, "want a whole number, 0 to turn the limit off")
			}
			*dst = n
		}
	}
	if v := getenv("ANTRIAN_TRUSTED_PROXIES"); v != "" {
		for _, cidr := range strings.Split(v, ",") {
			cidr = strings.TrimSpace(cidr)
			if !strings.Contains(cidr, "/") {
				cidr += "/32"
				if strings.Contains(cidr, ":") {
					cidr = strings.TrimSuffix(cidr, "/32") + "/128"
				}
			}
			_, n, err := net.ParseCIDR(cidr)
			if err != nil {
				bad("ANTRIAN_TRUSTED_PROXIES", "want addresses or CIDRs separated by commas, got %q", cidr)
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
	}
	if v := getenv("ANTRIAN_DEMO"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("ANTRIAN_DEMO", "want true or false")
		}
		c.Demo = b
	}
	dur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				bad(name, "want a positive duration like 15s")
				return
			}
			*dst = d
		}
	}
	c.WhatsApp = loadWhatsApp(getenv, bad)
	dur("ANTRIAN_RECONCILE_INTERVAL", &c.ReconcileInterval)
	dur("ANTRIAN_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	c.PhotoS3 = loadPhotoS3(getenv, bad)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// loadRedis reads the Redis settings into c and checks that they name one
// way to reach Redis.
func loadRedis(getenv func(string) string, c *Config, bad func(name, format string, args ...any)) {
	list := func(name string) []string {
		var out []string
		for _, a := range strings.Split(getenv(name), ",") {
			if a = strings.TrimSpace(a); a == "" {
				continue
			}
			if _, _, err := net.SplitHostPort(a); err != nil {
				bad(name, "want host:port addresses separated by commas, got %q", a)
			}
			out = append(out, a)
		}
		return out
	}
	r := &c.Redis
	r.SentinelAddrs = list("REDIS_SENTINEL_ADDRS")
	r.ClusterAddrs = list("REDIS_CLUSTER_ADDRS")
	r.Master = getenv("REDIS_SENTINEL_MASTER")
	r.SentinelPassword = getenv("REDIS_SENTINEL_PASSWORD")
	r.Username, r.Password = getenv("REDIS_USERNAME"), getenv("REDIS_PASSWORD")
	var set []string
	for name, on := range map[string]bool{"REDIS_URL": c.RedisURL != "",
		"REDIS_SENTINEL_ADDRS": len(r.SentinelAddrs) > 0, "REDIS_CLUSTER_ADDRS": len(r.ClusterAddrs) > 0} {
		if on {
			set = append(set, name)
		}
	}
	sort.Strings(set)
	switch {
	case len(set) > 1:
		bad(set[0], "set only one of REDIS_URL, REDIS_SENTINEL_ADDRS and REDIS_CLUSTER_ADDRS (got %s)", strings.Join(set, " and "))
	case c.RedisURL != "":
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			bad("REDIS_URL", "want redis://host:port/db or empty for the embedded Redis")
		}
	}
	if (len(r.SentinelAddrs) > 0) != (r.Master != "") {
		bad("REDIS_SENTINEL_MASTER", "set both REDIS_SENTINEL_ADDRS and REDIS_SENTINEL_MASTER, or neither")
	}
	if c.RedisURL != "" && (r.Password != "" || r.Username != "") {
		bad("REDIS_PASSWORD", "with REDIS_URL put the user and password in the URL")
	}
}

// loadPhotoS3 reads where the photo bucket is, from one URL
//
//	ANTRIAN_PHOTO_S3_URL=http(s)://ACCESS_KEY:SECRET_KEY@host:port/bucket?region=R
//
// or from ANTRIAN_PHOTO_S3_ENDPOINT (host:port), _BUCKET, _ACCESS_KEY,
// _SECRET_KEY, _REGION and _USE_SSL (default true), not both; and how
// photos reach browsers: ANTRIAN_PHOTO_S3_LINK_TTL (e.g. 5m) redirects
// them to presigned links valid that long, signed for
// ANTRIAN_PHOTO_S3_PUBLIC_URL (the server as browsers reach it); unset,
// the service serves every photo itself. nil when no bucket is configured.
func loadPhotoS3(getenv func(string) string, bad func(name, format string, args ...any)) *photo.S3Config {
	var c photo.S3Config
	endpoint := getenv("ANTRIAN_PHOTO_S3_ENDPOINT")
	if raw := getenv("ANTRIAN_PHOTO_S3_URL"); raw != "" {
		if endpoint != "" {
			bad("ANTRIAN_PHOTO_S3_URL", "set it or ANTRIAN_PHOTO_S3_ENDPOINT, not both")
		}
		var err error
		if c, err = photo.ParseS3URL(raw); err != nil {
			bad("ANTRIAN_PHOTO_S3_URL", "%v", err)
		}
	} else if endpoint != "" {
		c = photo.S3Config{Endpoint: endpoint, Bucket: getenv("ANTRIAN_PHOTO_S3_BUCKET"), AccessKey: getenv("ANTRIAN_PHOTO_S3_ACCESS_KEY"),
			SecretKey: getenv("ANTRIAN_PHOTO_S3_SECRET_KEY"), Region: getenv("ANTRIAN_PHOTO_S3_REGION"), UseSSL: true}
		for name, v := range map[string]string{"ANTRIAN_PHOTO_S3_BUCKET": c.Bucket, "ANTRIAN_PHOTO_S3_ACCESS_KEY": c.AccessKey, "ANTRIAN_PHOTO_S3_SECRET_KEY": c.SecretKey} {
			if v == "" {
				bad(name, "required with ANTRIAN_PHOTO_S3_ENDPOINT")
			}
		}
		if v := getenv("ANTRIAN_PHOTO_S3_USE_SSL"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				bad("ANTRIAN_PHOTO_S3_USE_SSL", "want true or false")
			}
			c.UseSSL = b
		}
	} else {
		return nil
	}
	c.PublicURL = getenv("ANTRIAN_PHOTO_S3_PUBLIC_URL")
	if v := getenv("ANTRIAN_PHOTO_S3_LINK_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 7*24*time.Hour {
			bad("ANTRIAN_PHOTO_S3_LINK_TTL", "want a duration like 5m (at most 168h), or 0 to serve photos through the service")
		}
		c.LinkTTL = d
	}
	if _, err := photo.NewS3Store(c); err != nil {
		bad("ANTRIAN_PHOTO_S3_*", "%v", err)
	}
	return &c
}
