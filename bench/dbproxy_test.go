package main

import (
	"bufio"
	"net"
	"testing"
)

// A fake server answering each line: three request-answer exchanges are three round trips, and a
// request written in two pieces before the answer is still one.
func TestDBProxyCountsRoundTrips(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
			_, _ = c.Write([]byte("ok\n"))
		}
	}()
	p, proxied, err := startDBProxy("postgres://u@" + ln.Addr().String() + "/db")
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	addr := proxied[len("postgres://u@") : len(proxied)-len("/db")]
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, req := range [][]string{{"a\n"}, {"b", "c\n"}, {"d\n"}} {
		for _, part := range req {
			if _, err := c.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.roundTrips.Load(); n != 3 {
		t.Errorf("%d round trips, want 3", n)
	}
}
