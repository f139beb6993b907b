// Package logging builds the one slog logger each binary uses. Personal data (phones, emails,
// message text) is never passed to it: callers log ids, enums and counts.
package logging

import (
	"log/slog"
	"os"
	"strings"
)

// New returns a JSON logger to stderr at the given level (debug, info, warn, error).
func New(level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
