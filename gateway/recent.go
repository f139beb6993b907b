package main

import "sync"

// recentSet remembers up to max ids; when full it starts over.
type recentSet struct {
	mu  sync.Mutex
	max int
	ids map[string]struct{}
}

func newRecentSet(max int) *recentSet { return &recentSet{max: max, ids: map[string]struct{}{}} }

func (r *recentSet) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[id]
	return ok
}

func (r *recentSet) add(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) >= r.max {
		r.ids = map[string]struct{}{}
	}
	r.ids[id] = struct{}{}
}

func (r *recentSet) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids, id)
}
