package main

import (
	"fmt"

	"github.com/redis/go-redis/v9"
)

// redisTopology is how the service reaches Redis.
type redisTopology int

const (
	redisSingle   redisTopology = iota // REDIS_URL, or the embedded one
	redisSentinel                      // REDIS_SENTINEL_ADDRS: a master and replicas watched by Sentinel
	redisCluster                       // REDIS_CLUSTER_ADDRS: Redis Cluster
)

func (t redisTopology) String() string {
	return [...]string{"single", "sentinel", "cluster"}[t]
}

// topology names the way cfg reaches Redis.
func (cfg Config) topology() redisTopology {
	switch {
	case len(cfg.Redis.SentinelAddrs) > 0:
		return redisSentinel
	case len(cfg.Redis.ClusterAddrs) > 0:
		return redisCluster
	}
	return redisSingle
}

// newRedis returns the client of cfg's Redis: a plain client for REDIS_URL,
// a failover client that follows Sentinel's master, or a cluster client.
// Every one of them is a redis.UniversalClient, and the service's keys,
// scripts and pub/sub work on all three (see queue.Live and display.Hub).
func newRedis(cfg Config) (redis.UniversalClient, error) {
	r := cfg.Redis
	switch cfg.topology() {
	case redisSentinel:
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: r.Master, SentinelAddrs: r.SentinelAddrs, SentinelPassword: r.SentinelPassword,
			Username: r.Username, Password: r.Password,
		}), nil
	case redisCluster:
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: r.ClusterAddrs, Username: r.Username, Password: r.Password,
		}), nil
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	return redis.NewClient(opt), nil
}
