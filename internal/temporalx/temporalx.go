// Package temporalx builds Temporal clients the same way for every Leadflow binary: one slog
// logger bridged into the SDK, the configured namespace and address.
package temporalx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// Options says where Temporal is.
type Options struct {
	HostPort  string
	Namespace string
	Logger    *slog.Logger
	// Gzip compresses requests (the SDK's default). Leadflow turns it off unless configured:
	// see config.TemporalGzip.
	Gzip bool
	// Metrics receives the SDK's metrics and the workflow's own (workflow.GetMetricsHandler); nil
	// drops them.
	Metrics client.MetricsHandler
}

func (o Options) client() client.Options {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var compression client.GrpcCompression = &client.GrpcCompressionNone{}
	if o.Gzip {
		compression = &client.GrpcCompressionGzip{}
	}
	return client.Options{HostPort: o.HostPort, Namespace: o.Namespace, Logger: sdklog.NewStructuredLogger(logger),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: compression}, MetricsHandler: o.Metrics}
}

// Dial connects now and fails if Temporal is not there (the worker cannot do anything without it).
func Dial(ctx context.Context, o Options) (client.Client, error) {
	c, err := client.DialContext(ctx, o.client())
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s: %w", o.HostPort, err)
	}
	return c, nil
}

// Lazy returns a client that connects on first use, so the gateway can start (and answer 503 and
// /readyz honestly) while Temporal is still coming up.
func Lazy(o Options) (client.Client, error) {
	c, err := client.NewLazyClient(o.client())
	if err != nil {
		return nil, fmt.Errorf("temporal client: %w", err)
	}
	return c, nil
}

// IsUnavailable reports whether err means Temporal could not be reached or did not answer in time:
// nothing was accepted and the caller may retry.
func IsUnavailable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	var canceled *serviceerror.Canceled
	return errors.As(err, &unavailable) || errors.As(err, &deadline) || errors.As(err, &canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// IsNotFound reports whether err says the workflow does not exist (or no longer runs).
func IsNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
