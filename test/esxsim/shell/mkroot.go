package main

// mkroot ROOT BUSYBOX SHELLBIN APPLET...: lays out the ESX-like chroot tree in
// one process (start used to fork a few hundred times for it).

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func mkrootMain(args []string) int {
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: esxsim-shell mkroot ROOT BUSYBOX SHELLBIN APPLET...")
		return 2
	}
	r, bb, sh, applets := args[0], args[1], args[2], args[3:]
	syscall.Umask(022)
	var err error
	must := func(e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	for _, d := range []string{"", "bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "dev", "var", "var/log", "var/run", "vmfs", "vmfs/volumes"} {
		p := filepath.Join(r, d)
		must(os.MkdirAll(p, 0755))
		must(os.Chmod(p, 0755))
	}
	for _, d := range []string{"etc/esxsim", "root"} {
		must(os.MkdirAll(filepath.Join(r, d), 0700))
	}
	for _, d := range []string{"tmp", "var/tmp"} {
		p := filepath.Join(r, d)
		must(os.MkdirAll(p, 0755))
		must(os.Chmod(p, 01777))
	}
	must(linkOrCopy(bb, filepath.Join(r, "bin/busybox")))
	must(linkOrCopy(sh, filepath.Join(r, "sbin/esxsim-shell")))
	for _, a := range applets {
		must(os.Symlink("busybox", filepath.Join(r, "bin", a)))
	}
	links := [][2]string{
		{"/sbin/esxsim-shell", "bin/bash"}, // root's login shell: hands over to busybox sh
		{"esxsim-shell", "sbin/vmkfstools"},
		{"esxsim-shell", "sbin/esxcfg-vswitch"},
		{"/sbin/esxsim-shell", "bin/vim-cmd"},
		{"/sbin/esxsim-shell", "bin/vmware"},
		{"/sbin/vmkfstools", "bin/vmkfstools"},
		{"/sbin/esxcfg-vswitch", "bin/esxcfg-vswitch"},
	}
	for _, l := range links {
		must(os.Symlink(l[0], filepath.Join(r, l[1])))
	}
	devs := []struct {
		name       string
		major, min uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}
	for _, d := range devs {
		p := filepath.Join(r, "dev", d.name)
		must(syscall.Mknod(p, syscall.S_IFCHR|0666, int(d.major<<8|d.min)))
		must(os.Chmod(p, 0666))
	}
	files := map[string]string{
		"etc/passwd":         "root:x:0:0:Administrator:/:/bin/sh\n",
		"etc/group":          "root:x:0:root\n",
		"etc/profile":        "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\nPS1='[\\u@\\h:\\w] '\n",
		"etc/vmware-release": "VMware ESXi 6.5.0 build-4564106 (esxsim)\n",
	}
	for n, c := range files {
		must(os.WriteFile(filepath.Join(r, n), []byte(c), 0644))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkroot:", err)
		return 1
	}
	return 0
}
