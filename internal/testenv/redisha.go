package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisNode is one redis-server process of a replicated set (a data node
// or a sentinel), owned by one test.
type RedisNode struct {
	Addr string
	cmd  *exec.Cmd
}

// startNode starts redis-server on 127.0.0.1:port with args, its files in
// dir, and kills it when the test ends. The test fails when the port is
// taken: the ports of these sets are fixed (see the callers).
func startNode(t testing.TB, port int, dir string, args ...string) *RedisNode {
	t.Helper()
	n := &RedisNode{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	if c, err := net.DialTimeout("tcp", n.Addr, 100*time.Millisecond); err == nil {
		c.Close()
		t.Fatalf("redis node: port %d is taken", port)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	n.cmd = startRedis(t, n.Addr, dir, 10*time.Second, args...)
	t.Cleanup(n.Kill)
	return n
}

// Kill kills the node, as a crashed machine, and waits for it to exit.
func (n *RedisNode) Kill() {
	killRedis(n.cmd)
	n.cmd = nil
}

// needRedisHA skips (fails in CI) a test when redis-server or redis-cli is
// missing.
func needRedisHA(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			Unavailable(t, "%s not installed", bin)
		}
	}
}

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func(ctx context.Context) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond(ctx) {
		select {
		case <-ctx.Done():
			t.Fatalf("redis: timed out waiting for %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// role returns the first word of ROLE on addr ("master", "slave",
// "sentinel"), or "" when the node does not answer.
func role(ctx context.Context, addr string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	v, err := c.Do(ctx, "ROLE").Slice()
	if err != nil || len(v) == 0 {
		return ""
	}
	s, _ := v[0].(string)
	return s
}

// info returns one field of INFO on addr (of CLUSTER INFO for section
// "cluster"), or "".
func info(ctx context.Context, addr, section, field string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	var s string
	var err error
	if section == "cluster" {
		s, err = c.ClusterInfo(ctx).Result()
	} else {
		s, err = c.Info(ctx, section).Result()
	}
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}

// RedisCluster is a Redis Cluster of masters, each with one replica, on
// consecutive loopback ports, owned by one test.
type RedisCluster struct {
	Nodes []*RedisNode
}

// NewRedisCluster starts 2*masters cluster nodes on ports basePort,
// basePort+1, ..., joins them with `redis-cli --cluster create` (one
// replica per master) and waits until the cluster serves every slot and
// every replica is in sync. A node that stops answering for a second is
// failed over to its replica.
func NewRedisCluster(t testing.TB, basePort, masters int) *RedisCluster {
	t.Helper()
	needRedisHA(t)
	dir := t.TempDir()
	c := &RedisCluster{}
	for i := range 2 * masters {
		c.Nodes = append(c.Nodes, startNode(t, basePort+i, filepath.Join(dir, strconv.Itoa(i)),
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
			"--save", "", "--appendonly", "no"))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	waitFor(t, 30*time.Second, "the cluster to form", func(ctx context.Context) bool {
		for _, n := range c.Nodes {
			if info(ctx, n.Addr, "cluster", "cluster_state") != "ok" {
				return false
			}
			if role(ctx, n.Addr) == "slave" && info(ctx, n.Addr, "replication", "master_link_status") != "up" {
				return false
			}
		}
		return true
	})
	return c
}

// Addrs are the nodes' host:port addresses.
func (c *RedisCluster) Addrs() []string { return addrsOf(c.Nodes) }

func addrsOf(nodes []*RedisNode) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Addr)
	}
	return out
}

// KillMaster kills a master, as a crashed machine, and waits until its
// replica has taken over and the cluster serves every slot again.
func (c *RedisCluster) KillMaster(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var victim, heir *RedisNode
	for _, n := range c.Nodes {
		if victim == nil && role(ctx, n.Addr) == "master" {
			victim = n
		}
	}
	if victim == nil {
		t.Fatal("redis cluster: no master to kill")
	}
	_, port, _ := net.SplitHostPort(victim.Addr)
	for _, n := range c.Nodes {
		if n != victim && info(ctx, n.Addr, "replication", "master_port") == port {
			heir = n
		}
	}
	if heir == nil {
		t.Fatalf("redis cluster: master %s has no replica", victim.Addr)
	}
	victim.Kill()
	waitFor(t, 30*time.Second, "the replica "+heir.Addr+" to take over", func(ctx context.Context) bool {
		return role(ctx, heir.Addr) == "master" && info(ctx, heir.Addr, "cluster", "cluster_state") == "ok"
	})
}

// RedisSentinel is a master with two replicas watched by three sentinels,
// on loopback ports, owned by one test.
type RedisSentinel struct {
	Master    string // the name the sentinels know the master by
	Data      []*RedisNode
	Sentinels []*RedisNode
}

// NewRedisSentinel starts a master on dataPort, replicas on dataPort+1 and
// +2, and sentinels on sentinelPort..sentinelPort+2 (quorum 2; a master
// silent for a second is down), and waits until the sentinels see both
// replicas in sync.
func NewRedisSentinel(t testing.TB, dataPort, sentinelPort int) *RedisSentinel {
	t.Helper()
	needRedisHA(t)
	dir := t.TempDir()
	s := &RedisSentinel{Master: "antrian"}
	for i := range 3 {
		args := []string{"--save", "", "--appendonly", "no"}
		if i > 0 {
			args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(dataPort))
		}
		s.Data = append(s.Data, startNode(t, dataPort+i, filepath.Join(dir, "data"+strconv.Itoa(i)), args...))
	}
	for i := range 3 {
		d := filepath.Join(dir, "sentinel"+strconv.Itoa(i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		conf := filepath.Join(d, "sentinel.conf")
		text := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 2\nsentinel down-after-milliseconds %[1]s 1000\n"+
			"sentinel failover-timeout %[1]s 10000\n", s.Master, dataPort)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		s.Sentinels = append(s.Sentinels, startNode(t, sentinelPort+i, d, conf, "--sentinel"))
	}
	waitFor(t, 30*time.Second, "the sentinels to see two replicas in sync", func(ctx context.Context) bool {
		for _, n := range s.Data[1:] {
			if info(ctx, n.Addr, "replication", "master_link_status") != "up" {
				return false
			}
		}
		for _, n := range s.Sentinels {
			sc := redis.NewSentinelClient(&redis.Options{Addr: n.Addr})
			reps, err := sc.Replicas(ctx, s.Master).Result()
			sc.Close()
			if err != nil || len(reps) != 2 {
				return false
			}
		}
		return true
	})
	return s
}

// SentinelAddrs are the sentinels' host:port addresses.
func (s *RedisSentinel) SentinelAddrs() []string { return addrsOf(s.Sentinels) }

// MasterAddr is the master's address as the first sentinel reports it.
func (s *RedisSentinel) MasterAddr(ctx context.Context) (string, error) {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr})
	defer sc.Close()
	hp, err := sc.GetMasterAddrByName(ctx, s.Master).Result()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(hp[0], hp[1]), nil
}

// Failover asks a sentinel to promote a replica (SENTINEL FAILOVER) and
// waits until the sentinels name the new master and it serves as one. It
// returns the old and the new master's address.
func (s *RedisSentinel) Failover(t testing.TB) (from, to string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	from, err := s.MasterAddr(ctx)
	if err != nil {
		t.Fatalf("sentinel: master address: %v", err)
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr})
	defer sc.Close()
	if err := sc.Failover(ctx, s.Master).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	waitFor(t, 30*time.Second, "the failover to finish", func(ctx context.Context) bool {
		to, err = s.MasterAddr(ctx)
		return err == nil && to != from && role(ctx, to) == "master"
	})
	return from, to
}
