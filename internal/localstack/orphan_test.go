package localstack

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "LOCALSTACK_TEST_HELPER"

// TestHelperProcess is not a real test: when run as a child of
// TestNoOrphansWhenParentKilled it starts the stack, reports the pids/ports
// and blocks until it is killed.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestNoOrphansWhenParentKilled")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pg, err := StartPostgres(ctx, PostgresOptions{})
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("proc postgres %d %d %s\n", pg.PID(), pg.Port(), pg.DataDir())
	if os.Getenv(helperEnv+"_TEMPORAL") == "1" {
		tp, err := StartTemporal(ctx, TemporalOptions{Headless: true})
		if err != nil {
			fmt.Printf("error %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("proc temporal %d %d -\n", tp.PID(), temporalPort(t, tp))
	}
	fmt.Println("ready")
	select {}
}

// TestNoOrphansWhenParentKilled SIGKILLs a process that started the stack
// and checks that postgres and temporal die with it.
func TestNoOrphansWhenParentKilled(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		t.Skip("inside helper")
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	if _, err := findTemporalBinary(""); err == nil {
		cmd.Env = append(cmd.Env, helperEnv+"_TEMPORAL=1")
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	type child struct {
		name      string
		pid, port int
		dir       string
	}
	var children []child
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if f[0] == "ready" {
			break
		}
		if f[0] == "error" {
			t.Fatalf("helper: %s", sc.Text())
		}
		if f[0] == "proc" && len(f) == 5 {
			pid, _ := strconv.Atoi(f[2])
			port, _ := strconv.Atoi(f[3])
			children = append(children, child{f[1], pid, port, f[4]})
		}
	}
	if len(children) == 0 {
		t.Fatalf("helper reported no processes (scan error %v)", sc.Err())
	}
	for _, c := range children {
		if !pidAlive(c.pid) {
			t.Fatalf("%s (pid %d) not running before the kill", c.name, c.pid)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	deadline := time.Now().Add(30 * time.Second)
	for _, c := range children {
		for pidAlive(c.pid) || portOpen(c.port) {
			if time.Now().After(deadline) {
				_ = syscall.Kill(-c.pid, syscall.SIGKILL)
				t.Fatalf("%s (pid %d, port %d) outlived its killed parent", c.name, c.pid, c.port)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("%s (pid %d) died with its parent", c.name, c.pid)
	}

	// The next start sweeps the directory the killed helper left behind
	// (a test running in parallel may already have done so).
	pg := children[0]
	sweepStaleTempDirs()
	if _, err := os.Stat(pg.dir); !os.IsNotExist(err) {
		t.Errorf("stale temp dir %s not swept: %v", pg.dir, err)
	}
}
