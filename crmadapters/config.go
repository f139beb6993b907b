package crmadapters

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Names of the external CRMs Leadflow writes to.
var Names = []string{"hubspot", "salesforce", "zoho", "pipedrive"}

// File is the external CRM configuration (LEADFLOW_CRM_FILE, YAML or JSON): which CRMs every
// lead is written to, how to reach them, and the field mapping of each.
//
//	version: 1
//	crms:
//	  hubspot:
//	    base_url: https://api.hubapi.com
//	    credentials: {token: HUBSPOT_TOKEN}   # the environment variables that hold them
//	    options: {pipeline: default}
//	    mapping: {...}                        # optional: the adapter's default otherwise
type File struct {
	// Version is the field dictionary's version the mappings are written for (DictionaryVersion).
	Version int                 `yaml:"version" json:"version"`
	CRMs    map[string]Settings `yaml:"crms" json:"crms"`
}

// Settings are one CRM's.
type Settings struct {
	BaseURL string `yaml:"base_url" json:"base_url"`
	// Credentials name the environment variables that hold each secret the adapter needs, so no
	// secret sits in the file.
	Credentials map[string]string `yaml:"credentials" json:"credentials"`
	// Options are the adapter's own settings (a pipeline, an API version, a module).
	Options map[string]string `yaml:"options" json:"options"`
	// Mapping replaces the adapter's default mapping when set.
	Mapping *Mapping `yaml:"mapping" json:"mapping"`
}

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// ParseFile reads a configuration file strictly: unknown keys, unknown CRMs and another
// dictionary version are refused. Each CRM's adapter checks its own settings and mapping when it
// is built (see internal/app).
func ParseFile(b []byte) (File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("crm file: %w", err)
	}
	if f.Version != DictionaryVersion {
		return File{}, fmt.Errorf("crm file: version %d, this Leadflow reads version %d", f.Version, DictionaryVersion)
	}
	for name, s := range f.CRMs {
		if !slices.Contains(Names, name) {
			return File{}, fmt.Errorf("crm file: unknown CRM %q (one of %s)", name, strings.Join(Names, ", "))
		}
		if s.BaseURL != "" && !strings.HasPrefix(s.BaseURL, "https://") && !strings.HasPrefix(s.BaseURL, "http://") {
			return File{}, fmt.Errorf("crm file: %s: base_url must be an http(s) URL (or left out for the CRM's own)", name)
		}
		for k, env := range s.Credentials {
			if !envName.MatchString(env) {
				return File{}, fmt.Errorf("crm file: %s: credentials.%s must name an environment variable, not hold the secret", name, k)
			}
		}
	}
	return f, nil
}

// LoadFile reads and parses the configuration file at path.
func LoadFile(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("crm file: %w", err)
	}
	return ParseFile(b)
}

// Credential reads the secret key names from the environment; missing is an error naming the
// variable, never the value.
func (s Settings) Credential(crm, key string, getenv func(string) string) (string, error) {
	env, ok := s.Credentials[key]
	if !ok {
		return "", fmt.Errorf("%s: credentials.%s is not configured", crm, key)
	}
	v := getenv(env)
	if v == "" {
		return "", fmt.Errorf("%s: %s (credentials.%s) is not set", crm, env, key)
	}
	return v, nil
}

// MappingOr is the configured mapping, else the adapter's default, checked against the
// properties the adapter requires.
func (s Settings) MappingOr(crm string, def Mapping, required map[string][]string) (Mapping, error) {
	m := def
	if s.Mapping != nil {
		m = *s.Mapping
	}
	if err := m.Validate(required); err != nil {
		return Mapping{}, fmt.Errorf("%s mapping: %w", crm, err)
	}
	return m, nil
}
