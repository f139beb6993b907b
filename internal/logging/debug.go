package logging

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// ServeDebug serves pprof on addr in the background when addr is set. A failure to listen is
// logged, not fatal: profiling is an aid, never a reason for the worker or gateway to stop.
func ServeDebug(addr string, logger *slog.Logger) {
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		logger.Info("debug server listening", "Addr", addr)
		if err := srv.ListenAndServe(); err != nil {
			logger.Warn("debug server stopped", "Error", err)
		}
	}()
}
