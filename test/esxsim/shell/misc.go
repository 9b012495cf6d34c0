package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

func statBlocks(st os.FileInfo) (int64, bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Blocks, true
	}
	return 0, false
}

// bashMain: sshd runs root's login shell (/bin/bash on the machine) inside
// the chroot; ESX's shell is busybox ash, so hand over to it.
func bashMain(name string, args []string) int {
	argv0 := "sh" // root's shell on ESX is /bin/sh
	if strings.HasPrefix(name, "-") {
		argv0 = "-sh"
	}
	err := syscall.Exec("/bin/busybox", append([]string{argv0}, args...), os.Environ())
	fmt.Fprintf(os.Stderr, "bash: cannot run /bin/busybox: %v\n", err)
	return 127
}

func freePortsMain(args []string) int {
	n := 1
	if len(args) > 0 {
		n, _ = strconv.Atoi(args[0])
	}
	var ls []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ls = append(ls, l)
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return 0
}

// proxyMain: esxsim-shell proxy -run DIR -ready FILE NAME=TARGETPORT...
// One listener per NAME on 127.0.0.1:0, forwarding to 127.0.0.1:TARGETPORT.
// If DIR/ssh-drop-after-NAME holds N > 0 when a connection is accepted, that
// connection is cut after N bytes from client to server.
func proxyMain(args []string) int {
	var run, ready string
	var targets []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-run":
			i++
			run = args[i]
		case "-ready":
			i++
			ready = args[i]
		default:
			targets = append(targets, args[i])
		}
	}
	if run == "" || ready == "" || len(targets) == 0 {
		fmt.Fprintln(os.Stderr, "usage: esxsim-shell proxy -run DIR -ready FILE NAME=PORT...")
		return 2
	}
	var out strings.Builder
	for _, t := range targets {
		kv := strings.SplitN(t, "=", 2)
		if len(kv) != 2 {
			fmt.Fprintf(os.Stderr, "bad target %q\n", t)
			return 2
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		name, target := kv[0], "127.0.0.1:"+kv[1]
		fmt.Fprintf(&out, "%s=%d\n", name, l.Addr().(*net.TCPAddr).Port)
		go serveProxy(l, name, target, filepath.Join(run, "ssh-drop-after-"+name))
	}
	fmt.Fprintf(&out, "PID=%d\n", os.Getpid())
	if err := writeFileAtomic(ready, []byte(out.String()), 0644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	select {}
}

func dropAfter(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func serveProxy(l net.Listener, name, target, knob string) {
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			limit := dropAfter(knob)
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				return
			}
			var once sync.Once
			closeBoth := func() { once.Do(func() { c.Close(); s.Close() }) }
			go func() {
				if limit > 0 {
					io.CopyN(s, c, limit)
					fmt.Fprintf(os.Stderr, "proxy %s: dropped connection after %d bytes\n", name, limit)
					closeBoth()
					return
				}
				io.Copy(s, c)
				s.(*net.TCPConn).CloseWrite()
			}()
			io.Copy(c, s)
			closeBoth()
		}(c)
	}
}
