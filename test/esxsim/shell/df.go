package main

// df: ESX's df lists the datastores as /vmfs/volumes/<name> with their
// capacity and free space. busybox df needs /proc/mounts, which the chroot
// lacks, so this one asks the API (the numbers then agree with vim-cmd and
// libvirt). Options: -m (MiB), -k (KiB), -h (human), default bytes.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func human(n int64) string {
	units := "BKMGTP"
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d", n)
	}
	if f < 10 {
		return fmt.Sprintf("%.1f%c", f, units[i])
	}
	return fmt.Sprintf("%.0f%c", f, units[i])
}

func dfMain(args []string) int {
	unit, head, hum := int64(1), "Bytes", false
	var paths []string
	for _, a := range args {
		switch a {
		case "-m":
			unit, head = 1<<20, "1M-blocks"
		case "-k":
			unit, head = 1<<10, "1K-blocks"
		case "-h":
			hum, head = true, "Size"
		case "-P", "-T":
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(os.Stderr, "df: unsupported option %s (esxsim)\n", a)
				return 1
			}
			paths = append(paths, a)
		}
	}
	s, err := connectAPI()
	if err != nil {
		fmt.Fprintln(os.Stderr, "df:", err)
		return 1
	}
	defer s.close()
	dss, err := s.datastores()
	if err != nil {
		fmt.Fprintln(os.Stderr, "df:", err)
		return 1
	}
	sort.Slice(dss, func(i, j int) bool { return dss[i].Name < dss[j].Name })
	want := func(d dsInfo) bool {
		if len(paths) == 0 {
			return true
		}
		for _, p := range paths {
			rp, err := filepath.EvalSymlinks(p)
			if err != nil {
				continue
			}
			root := "/vmfs/volumes/" + d.UUID
			if rp == root || strings.HasPrefix(rp, root+"/") {
				return true
			}
		}
		return false
	}
	num := func(n int64) string {
		if hum {
			return human(n)
		}
		return fmt.Sprintf("%d", n/unit)
	}
	fmt.Printf("%-10s %14s %14s %14s %4s %s\n", "Filesystem", head, "Used", "Available", "Use%", "Mounted on")
	rc := 0
	shown := 0
	for _, d := range dss {
		if !want(d) {
			continue
		}
		capa, free := d.Summary.Capacity, d.Summary.FreeSpace
		used := capa - free
		pct := int64(0)
		if capa > 0 {
			pct = (used*100 + capa - 1) / capa
		}
		fs := "VMFS-5"
		if d.Summary.Type != "" && d.Summary.Type != "VMFS" {
			fs = d.Summary.Type
		}
		fmt.Printf("%-10s %14s %14s %14s %3d%% /vmfs/volumes/%s\n", fs, num(capa), num(used), num(free), pct, d.Name)
		shown++
	}
	if len(paths) > 0 && shown == 0 {
		fmt.Fprintf(os.Stderr, "df: %s: not on a datastore\n", strings.Join(paths, " "))
		rc = 1
	}
	return rc
}

// vmware -v / -l
func vmwareMain(args []string) int {
	if len(args) == 1 && args[0] == "-l" {
		fmt.Println("VMware ESXi 6.5.0 GA")
		return 0
	}
	if len(args) == 1 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Println("VMware ESXi 6.5.0 build-4564106")
		return 0
	}
	fmt.Fprintln(os.Stderr, "usage: vmware -v | -l   (esxsim)")
	return 1
}
