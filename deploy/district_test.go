// Package deploy holds the deployment files; its tests check them with the
// loader docker compose itself uses (compose-go) and with the real HAProxy.
package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

const districtCompose = "district/docker-compose.yml"

// exampleEnv reads district/.env.example, the settings an operator fills in.
func exampleEnv(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("district/.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var env []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			env = append(env, line)
		}
	}
	return env
}

func loadDistrict(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{districtCompose}, cli.WithEnv(env), cli.WithWorkingDirectory("district"))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(t.Context())
}

// The district compose file is valid Compose (schema, interpolation,
// anchors), has every part the district needs, and each part is wired to
// the others.
func TestDistrictCompose(t *testing.T) {
	p, err := loadDistrict(t, exampleEnv(t))
	if err != nil {
		t.Fatalf("docker compose config: %v", err)
	}
	want := []string{"app1", "app2", "grafana", "haproxy", "postgres-primary", "postgres-replica", "prometheus",
		"redis-primary", "redis-replica", "seaweedfs", "sentinel1", "sentinel2", "sentinel3"}
	got := p.ServiceNames()
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	for name, s := range p.Services {
		if name != "haproxy" && name != "prometheus" && name != "grafana" && (s.HealthCheck == nil || len(s.HealthCheck.Test) == 0) {
			t.Errorf("%s has no health check", name)
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", name, v.Source, err)
				}
			}
		}
	}
	haproxy := p.Services["haproxy"]
	cfg, err := os.ReadFile("district/haproxy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	prom, err := os.ReadFile("district/prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{"app1", "app2"} {
		env := p.Services[app].Environment
		for _, k := range []string{"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_SENTINEL_ADDRS", "REDIS_SENTINEL_MASTER",
			"ANTRIAN_PHOTO_S3_ENDPOINT", "ANTRIAN_PHOTO_S3_BUCKET", "ANTRIAN_PHOTO_S3_ACCESS_KEY", "ANTRIAN_PHOTO_S3_SECRET_KEY"} {
			if v := env[k]; v == nil || *v == "" {
				t.Errorf("%s: %s is not set", app, k)
			}
		}
		if db := *env["DATABASE_URL"]; !strings.Contains(db, "postgres-primary:5432,postgres-replica:5432") || !strings.Contains(db, "target_session_attrs=read-write") {
			t.Errorf("%s: DATABASE_URL %s does not follow a promotion", app, db)
		}
		for _, s := range strings.Split(*env["REDIS_SENTINEL_ADDRS"], ",") {
			if _, ok := p.Services[strings.TrimSuffix(s, ":26379")]; !ok {
				t.Errorf("%s: sentinel %s is not a service", app, s)
			}
		}
		if *env["ANTRIAN_PHOTO_S3_SECRET_KEY"] != *p.Services["seaweedfs"].Environment["AWS_SECRET_ACCESS_KEY"] {
			t.Errorf("%s: the photo bucket's keys are not seaweedfs's", app)
		}
		key := "APP" + strings.TrimPrefix(app, "app") + "_ADDR"
		if v := haproxy.Environment[key]; v == nil || *v != app+":8080" {
			t.Errorf("haproxy: %s = %v, want %s:8080", key, v, app)
		}
		if !strings.Contains(string(cfg), `"${`+key+`}"`) {
			t.Errorf("haproxy.cfg has no server at ${%s}", key)
		}
		if !strings.Contains(string(prom), `"`+app+`:8080"`) {
			t.Errorf("prometheus does not scrape %s", app)
		}
	}
	var dashboard bool
	for _, v := range p.Services["grafana"].Volumes {
		dashboard = dashboard || filepath.Base(v.Source) == "antrian.json" && filepath.Base(filepath.Dir(v.Source)) == "grafana"
	}
	if !dashboard {
		t.Error("grafana does not load deploy/grafana/antrian.json")
	}

	// Docker Compose itself, where it is installed, agrees.
	if exec.Command("docker", "compose", "version").Run() == nil {
		cmd := exec.Command("docker", "compose", "-f", districtCompose, "config", "-q")
		cmd.Env = append(os.Environ(), exampleEnv(t)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docker compose config: %v\n%s", err, out)
		}
	}
}

// A password left unset stops the deployment before it starts.
func TestDistrictComposeNeedsSecrets(t *testing.T) {
	for _, secret := range []string{"POSTGRES_PASSWORD", "REPLICATION_PASSWORD", "S3_SECRET_KEY", "GRAFANA_ADMIN_PASSWORD"} {
		env := slices.DeleteFunc(exampleEnv(t), func(kv string) bool { return strings.HasPrefix(kv, secret+"=") })
		if _, err := loadDistrict(t, env); err == nil || !strings.Contains(err.Error(), secret) {
			t.Errorf("without %s: %v, want an error naming it", secret, err)
		}
	}
}

// HAProxy accepts the district's configuration as compose runs it.
func TestDistrictHAProxyConfig(t *testing.T) {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		testenv.Unavailable(t, "haproxy is not installed: run scripts/test-deps.sh")
	}
	p, err := loadDistrict(t, exampleEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", "-f", "district/haproxy/haproxy.cfg")
	cmd.Env = os.Environ()
	for k, v := range p.Services["haproxy"].Environment {
		cmd.Env = append(cmd.Env, k+"="+*v)
	}
	// Port 80 needs no privilege for a check; only the names of the
	// compose network do not resolve here (a warning).
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Configuration file is valid") {
		t.Errorf("haproxy -c: %v\n%s", err, out)
	}
	cmd = exec.Command(bin, "-c", "-f", "district/haproxy/haproxy.cfg")
	cmd.Env = os.Environ() // without the addresses
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("haproxy -c without the addresses passed:\n%s", out)
	}
}
