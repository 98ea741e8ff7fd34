package multihost_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// network is a switch (a bridge in a namespace of its own) and one
// namespace per host, each linked to the switch by a veth pair: hosts
// reach each other only through their link, which the test can cut.
type network struct {
	t      *testing.T
	prefix string
	sw     string
	hosts  map[string]string // host name -> its address
}

const subnet = "10.77.%d.%d"

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// newNetwork makes the switch; names are unique to this process, so
// several runs on one machine do not meet.
func newNetwork(t *testing.T) *network {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test builds network namespaces and needs root (CI runs as root)")
	}
	id := os.Getpid() % 100000
	n := &network{t: t, prefix: fmt.Sprintf("os%d", id), hosts: map[string]string{}}
	n.sw = n.prefix + "-sw"
	ipCmd(t, "netns", "add", n.sw)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", n.sw).Run() })
	ipCmd(t, "-n", n.sw, "link", "add", "br0", "type", "bridge")
	ipCmd(t, "-n", n.sw, "link", "set", "br0", "up")
	return n
}

// ns is the namespace of host.
func (n *network) ns(host string) string { return n.prefix + "-" + host }

// port is the switch's end of host's link.
func (n *network) port(host string) string { return "p-" + host }

// addHost makes host's namespace with address 10.77.<sub>.<i>/16.
func (n *network) addHost(host string, i int) string {
	t := n.t
	t.Helper()
	ns := n.ns(host)
	ipCmd(t, "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	tmp := fmt.Sprintf("v%s%d", n.prefix[2:], i)
	ipCmd(t, "link", "add", tmp, "type", "veth", "peer", "name", tmp+"p")
	ipCmd(t, "link", "set", tmp, "netns", ns)
	ipCmd(t, "link", "set", tmp+"p", "netns", n.sw)
	ipCmd(t, "-n", ns, "link", "set", tmp, "name", "eth0")
	ipCmd(t, "-n", n.sw, "link", "set", tmp+"p", "name", n.port(host))
	addr := fmt.Sprintf(subnet, 0, i)
	ipCmd(t, "-n", ns, "addr", "add", addr+"/16", "dev", "eth0")
	ipCmd(t, "-n", ns, "link", "set", "eth0", "up")
	ipCmd(t, "-n", ns, "link", "set", "lo", "up")
	ipCmd(t, "-n", n.sw, "link", "set", n.port(host), "master", "br0")
	ipCmd(t, "-n", n.sw, "link", "set", n.port(host), "up")
	n.hosts[host] = addr
	return addr
}

// cut takes host off the network (its link goes down at the switch);
// mend puts it back.
func (n *network) cut(host string) {
	ipCmd(n.t, "-n", n.sw, "link", "set", n.port(host), "down")
}

func (n *network) mend(host string) {
	ipCmd(n.t, "-n", n.sw, "link", "set", n.port(host), "up")
}

// command runs name with args on host.
func (n *network) command(host, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.ns(host), name}, args...)...)
}

// dialer dials from host's namespace: the socket is made on a thread that
// entered the namespace (and that dies with its goroutine, never serving
// other goroutines), and stays there.
func (n *network) dialer(host string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	path := "/var/run/netns/" + n.ns(host)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type result struct {
			c   net.Conn
			err error
		}
		done := make(chan result, 1)
		go func() {
			runtime.LockOSThread() // not unlocked: the thread ends with this goroutine
			f, err := os.Open(path)
			if err != nil {
				done <- result{nil, err}
				return
			}
			defer f.Close()
			if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
				done <- result{nil, err}
				return
			}
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			done <- result{c, err}
		}()
		r := <-done
		return r.c, r.err
	}
}
