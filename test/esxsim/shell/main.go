// esxsim-shell: the ESX shell tools of the esxmad test bed, as one static
// multi-call binary. argv[0] (or the first argument when called as
// esxsim-shell) picks the tool:
//
//	vmkfstools      virtual disk tool (files only, no API)
//	vim-cmd         VM and host commands, through the simulator's vSphere API
//	esxcfg-vswitch  vSwitch / port group tool, through the HostNetworkSystem
//	bash            login shell wrapper: runs busybox ash (root's shell is
//	                /bin/bash outside the chroot, sshd execs it inside)
//	proxy           TCP proxy in front of the sshds with the drop knob
//	freeports N     prints N free 127.0.0.1 TCP ports
//	vmdkinfo FILE   prints capacity / allocation of a VMDK (tests)
//	df              datastores as ESX's df shows them (through the API)
//	vmware          vmware -v / -l
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if name == "esxsim-shell" {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "usage: esxsim-shell vmkfstools|vim-cmd|esxcfg-vswitch|proxy|freeports|vmdkinfo ARGS...")
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	os.Exit(run(name, args))
}

func run(name string, args []string) int {
	switch strings.TrimPrefix(name, "-") {
	case "vmkfstools":
		return vmkfstoolsMain(args)
	case "vim-cmd":
		return vimCmdMain(args)
	case "esxcfg-vswitch":
		return vswitchMain(args)
	case "bash":
		return bashMain(name, args)
	case "proxy":
		return proxyMain(args)
	case "freeports":
		return freePortsMain(args)
	case "vmdkinfo":
		return vmdkInfoMain(args)
	case "mkroot":
		return mkrootMain(args)
	case "df":
		return dfMain(args)
	case "vmware":
		return vmwareMain(args)
	}
	fmt.Fprintf(os.Stderr, "esxsim-shell: unknown tool %q\n", name)
	return 127
}
