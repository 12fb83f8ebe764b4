package api

import (
	"math"
	"sync"
	"time"
)

// RateLimit bounds the requests of one client address to the sign-in,
// token and password routes: a token bucket of Burst requests refilled
// at Burst per Per. The zero value means 10 per minute.
type RateLimit struct {
	Burst int
	Per   time.Duration
}

// maxBuckets bounds the addresses remembered; beyond it, full buckets
// (addresses quiet for a while) are forgotten first.
const maxBuckets = 100_000

// limiter is a token bucket per key (client address). It is safe for
// concurrent use.
type limiter struct {
	burst float64
	rate  float64 // tokens per second
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rl RateLimit, now func() time.Time) *limiter {
	if rl.Burst <= 0 {
		rl.Burst = 10
	}
	if rl.Per <= 0 {
		rl.Per = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &limiter{burst: float64(rl.Burst), rate: float64(rl.Burst) / rl.Per.Seconds(), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket. When there is none it returns
// false and how long until there is.
func (l *limiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Second)
}

// prune forgets the buckets that are full again (or, if none is, all):
// a forgotten address starts with a full bucket, which is what it had.
func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}
