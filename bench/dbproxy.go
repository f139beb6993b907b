package main

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
)

// dbProxy sits between Leadflow's processes and Postgres and counts round trips: each time a client
// speaks after the server has answered, it is waiting on the network again. (Statements alone
// undercount: lib/pq sends a parameterised statement in two round trips.) The bench's own queries
// go to Postgres directly and are not counted.
type dbProxy struct {
	ln         net.Listener
	target     string
	roundTrips atomic.Int64
	wg         sync.WaitGroup
}

// startDBProxy proxies to the host:port of databaseURL and returns the URL to give the processes.
func startDBProxy(databaseURL string) (*dbProxy, string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	p := &dbProxy{ln: ln, target: u.Host}
	u.Host = ln.Addr().String()
	p.wg.Add(1)
	go p.serve()
	return p, u.String(), nil
}

func (p *dbProxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(client)
	}
}

func (p *dbProxy) pipe(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var answered atomic.Bool // the server has spoken since the client last did
	answered.Store(true)
	done := make(chan struct{}, 2)
	go func() { // server → client
		_, _ = copyObserved(client, server, func() { answered.Store(true) })
		done <- struct{}{}
	}()
	go func() { // client → server
		_, _ = copyObserved(server, client, func() {
			if answered.Swap(false) {
				p.roundTrips.Add(1)
			}
		})
		done <- struct{}{}
	}()
	<-done // either side closing ends the connection
}

// copyObserved copies src to dst, calling seen before forwarding each read.
func copyObserved(dst io.Writer, src io.Reader, seen func()) (int64, error) {
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := src.Read(buf)
		if n > 0 {
			seen()
			w, werr := dst.Write(buf[:n])
			total += int64(w)
			if werr != nil {
				return total, werr
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return total, nil
			}
			return total, err
		}
	}
}

func (p *dbProxy) close() error {
	err := p.ln.Close()
	p.wg.Wait()
	return err
}
