package cloud

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// Lab is where a Controller applies clouds' states (*lab.Lab).
type Lab interface {
	ApplyCloud(cloud string, cfg lab.CloudConfig) error
}

// Source is a cloud's Neutron as the Controller reads it.
type Source interface {
	Snapshot(ctx context.Context) (neutron.State, error)
}

// Controller keeps the lab in line with the clouds' Neutrons.
type Controller struct {
	lab Lab
	log *slog.Logger

	mu      sync.Mutex
	sources map[string]Source
	locks   map[string]*sync.Mutex // one per cloud: snapshot then apply, in turn
	started bool
}

// NewController returns a controller that applies to l; log receives
// failures (nil discards them).
func NewController(l Lab, log *slog.Logger) *Controller {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Controller{lab: l, log: log, sources: map[string]Source{}, locks: map[string]*sync.Mutex{}}
}

// Add registers cloud's Neutron.
func (c *Controller) Add(cloud string, src Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sources[cloud] = src
	c.locks[cloud] = &sync.Mutex{}
}

// Start applies every cloud's current state (what the database restored)
// and from then on applies each change Changed reports. Before Start,
// changes are left for it to pick up.
func (c *Controller) Start(ctx context.Context) error {
	c.mu.Lock()
	c.started = true
	names := make([]string, 0, len(c.sources))
	for n := range c.sources {
		names = append(names, n)
	}
	c.mu.Unlock()
	// The clouds apply side by side, as their API calls may (each has
	// its own turn in Apply): a lab of many clouds waits for its cores,
	// not for their sum.
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	todo := make(chan string)
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for n := range todo {
				if err := c.Apply(ctx, n); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, n := range names {
		todo <- n
	}
	close(todo)
	wg.Wait()
	return first
}

// Changed is neutron.Config.OnChange for cloud: it applies the cloud's
// new state before the API call that changed it answers, so a client
// that sees its call succeed finds the lab already changed.
func (c *Controller) Changed(cloud string) {
	c.mu.Lock()
	started := c.started
	c.mu.Unlock()
	if !started {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Apply(ctx, cloud); err != nil {
		c.log.Warn("applying a cloud's Neutron state to the lab", "cloud", cloud, "err", err)
	}
}

// Apply reads cloud's state and applies it. Calls for one cloud run one
// at a time, each on a snapshot taken inside its turn, so the last one
// always leaves the lab with the latest state.
func (c *Controller) Apply(ctx context.Context, cloud string) error {
	c.mu.Lock()
	src, lock := c.sources[cloud], c.locks[cloud]
	c.mu.Unlock()
	if src == nil {
		return fmt.Errorf("cloud: no Neutron for %q", cloud)
	}
	lock.Lock()
	defer lock.Unlock()
	st, err := src.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("cloud %s: %w", cloud, err)
	}
	if err := c.lab.ApplyCloud(cloud, Config(st)); err != nil {
		return fmt.Errorf("cloud %s: %w", cloud, err)
	}
	return nil
}
