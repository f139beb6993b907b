package crmtest

import (
	"context"
	"sync"

	"github.com/leadflow/leadflow/crmadapters"
)

// MemoryIDs is an id map in memory, for adapter tests; the worker's is Postgres (store.CRMIDs).
type MemoryIDs struct {
	mu  sync.Mutex
	ids map[[3]string]*string
}

var _ crmadapters.IDs = (*MemoryIDs)(nil)

// Claim implements crmadapters.IDs.
func (m *MemoryIDs) Claim(_ context.Context, crm, kind, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[[3]string]*string{}
	}
	k := [3]string{crm, kind, key}
	id, ok := m.ids[k]
	if !ok {
		m.ids[k] = nil
		return "", false, nil
	}
	if id == nil {
		return "", true, nil
	}
	return *id, true, nil
}

// Remember implements crmadapters.IDs.
func (m *MemoryIDs) Remember(_ context.Context, crm, kind, key, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[[3]string]*string{}
	}
	m.ids[[3]string{crm, kind, key}] = &id
	return nil
}

// Lookup implements crmadapters.IDs.
func (m *MemoryIDs) Lookup(_ context.Context, crm, kind, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id := m.ids[[3]string{crm, kind, key}]; id != nil {
		return *id, nil
	}
	return "", nil
}

// Key implements crmadapters.IDs.
func (m *MemoryIDs) Key(_ context.Context, crm, kind, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.ids {
		if k[0] == crm && k[1] == kind && v != nil && *v == id {
			return k[2], nil
		}
	}
	return "", crmadapters.ErrUnknownRef
}
