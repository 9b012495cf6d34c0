package main

// esxcfg-vswitch: vSwitches and port groups of this host, through its
// HostNetworkSystem.

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func vswitchUsage() int {
	fmt.Fprint(os.Stderr, `esxcfg-vswitch <options> [vswitch[:ports]]   (esxsim subset)
   -a|--add              Add a new virtual switch.
   -d|--delete           Delete the virtual switch.
   -l|--list             List all the virtual switches.
   -A|--add-pg=name      Add a new portgroup to the virtual switch.
   -D|--del-pg=name      Delete the portgroup from the virtual switch.
   -p|--pg=name          Portgroup for --vlan.
   -v|--vlan=id          Set the vlan id for the portgroup (0 = none).
   -C|--check-pg=name    Check if a portgroup exists (prints 1/0).
   -c|--check            Check if a virtual switch exists (prints 1/0).
`)
	return 1
}

func vswitchMain(args []string) int {
	var list, add, del, check bool
	var addPG, delPG, pg, vlan, checkPG string
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		key, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if j := strings.IndexByte(a, '='); j > 0 {
				key, val, hasVal = a[:j], a[j+1:], true
			}
		}
		arg := func() (string, bool) {
			if hasVal {
				return val, true
			}
			if i+1 >= len(args) {
				fmt.Fprintf(os.Stderr, "Option %s requires an argument\n", key)
				return "", false
			}
			i++
			return args[i], true
		}
		ok := true
		switch key {
		case "-l", "--list":
			list = true
		case "-a", "--add":
			add = true
		case "-d", "--delete":
			del = true
		case "-c", "--check":
			check = true
		case "-A", "--add-pg":
			addPG, ok = arg()
		case "-D", "--del-pg":
			delPG, ok = arg()
		case "-p", "--pg":
			pg, ok = arg()
		case "-v", "--vlan":
			vlan, ok = arg()
		case "-C", "--check-pg":
			checkPG, ok = arg()
		case "-h", "--help":
			return vswitchUsage()
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(os.Stderr, "esxcfg-vswitch: unsupported option %s (esxsim)\n", a)
				return vswitchUsage()
			}
			pos = append(pos, a)
		}
		if !ok {
			return 1
		}
	}
	vsw := ""
	if len(pos) > 0 {
		vsw = strings.SplitN(pos[0], ":", 2)[0]
	}
	if !list && !add && !del && !check && addPG == "" && delPG == "" && vlan == "" && checkPG == "" {
		return vswitchUsage()
	}
	if (add || del || check || addPG != "" || delPG != "" || vlan != "") && vsw == "" {
		fmt.Fprintln(os.Stderr, "Error: No vswitch name given")
		return 1
	}
	if vlan != "" && pg == "" {
		fmt.Fprintln(os.Stderr, "Error: --vlan requires --pg")
		return 1
	}
	s, err := connectAPI()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.close()
	ns := object.NewHostNetworkSystem(s.c.Client, *s.host.ConfigManager.NetworkSystem)
	info := func() (*types.HostNetworkInfo, error) {
		var m mo.HostNetworkSystem
		if err := s.c.RetrieveOne(s.ctx, ns.Reference(), []string{"networkInfo"}, &m); err != nil {
			return nil, err
		}
		if m.NetworkInfo == nil {
			return &types.HostNetworkInfo{}, nil
		}
		return m.NetworkInfo, nil
	}
	ni, err := info()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	hasVS := func(n string) bool {
		for _, v := range ni.Vswitch {
			if v.Name == n {
				return true
			}
		}
		return false
	}
	findPG := func(n string) *types.HostPortGroup {
		for i := range ni.Portgroup {
			if ni.Portgroup[i].Spec.Name == n {
				return &ni.Portgroup[i]
			}
		}
		return nil
	}
	rc := 0
	switch {
	case check:
		if hasVS(vsw) {
			fmt.Println("1")
		} else {
			fmt.Println("0")
		}
	case checkPG != "":
		if findPG(checkPG) != nil {
			fmt.Println("1")
		} else {
			fmt.Println("0")
		}
	case add:
		if hasVS(vsw) {
			fmt.Fprintf(os.Stderr, "Error: A vswitch with the name %s already exists\n", vsw)
			return 1
		}
		if err := ns.AddVirtualSwitch(s.ctx, vsw, &types.HostVirtualSwitchSpec{NumPorts: 128}); err != nil {
			fmt.Fprintf(os.Stderr, "Error: Failed to add vswitch %s: %v\n", vsw, err)
			return 1
		}
	case del:
		if !hasVS(vsw) {
			fmt.Fprintf(os.Stderr, "Error: No such virtual switch %s\n", vsw)
			return 1
		}
		if err := ns.RemoveVirtualSwitch(s.ctx, vsw); err != nil {
			fmt.Fprintf(os.Stderr, "Error: Failed to delete vswitch %s: %v\n", vsw, err)
			return 1
		}
	case addPG != "":
		if !hasVS(vsw) {
			fmt.Fprintf(os.Stderr, "Error: No such virtual switch %s\n", vsw)
			return 1
		}
		if findPG(addPG) != nil {
			fmt.Fprintf(os.Stderr, "Error: A portgroup with the name %s already exists\n", addPG)
			return 1
		}
		spec := types.HostPortGroupSpec{Name: addPG, VswitchName: vsw, VlanId: 0, Policy: types.HostNetworkPolicy{}}
		if err := ns.AddPortGroup(s.ctx, spec); err != nil {
			fmt.Fprintf(os.Stderr, "Error: Failed to add portgroup %s: %v\n", addPG, err)
			return 1
		}
	case delPG != "":
		p := findPG(delPG)
		if p == nil || p.Spec.VswitchName != vsw {
			fmt.Fprintf(os.Stderr, "Error: No portgroup %s on vswitch %s\n", delPG, vsw)
			return 1
		}
		if err := ns.RemovePortGroup(s.ctx, delPG); err != nil {
			fmt.Fprintf(os.Stderr, "Error: Failed to remove portgroup %s: %v\n", delPG, err)
			return 1
		}
	case vlan != "":
		id, err := strconv.Atoi(vlan)
		if err != nil || id < 0 || id > 4095 {
			fmt.Fprintf(os.Stderr, "Error: Invalid vlan id %s\n", vlan)
			return 1
		}
		p := findPG(pg)
		if p == nil || p.Spec.VswitchName != vsw {
			fmt.Fprintf(os.Stderr, "Error: No portgroup %s on vswitch %s\n", pg, vsw)
			return 1
		}
		spec := p.Spec
		spec.VlanId = int32(id)
		if err := ns.UpdatePortGroup(s.ctx, pg, spec); err != nil {
			// the simulator may lack UpdatePortGroup: remove and add again
			if err2 := ns.RemovePortGroup(s.ctx, pg); err2 != nil {
				fmt.Fprintf(os.Stderr, "Error: Failed to set vlan on %s: %v\n", pg, err)
				return 1
			}
			if err2 := ns.AddPortGroup(s.ctx, spec); err2 != nil {
				fmt.Fprintf(os.Stderr, "Error: Failed to set vlan on %s: %v\n", pg, err2)
				return 1
			}
		}
	}
	if list {
		if ni, err = info(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		rc = printVswitches(s, ni)
	}
	return rc
}

// portUse counts, per port group name, the VM NICs on this host and the host's vmknics.
func portUse(s *apiSession, ni *types.HostNetworkInfo) map[string]int {
	use := map[string]int{}
	for _, v := range ni.Vnic {
		use[v.Portgroup]++
	}
	vms, err := s.hostVMs()
	if err != nil {
		return use
	}
	for _, vm := range vms {
		if vm.Config == nil {
			continue
		}
		for _, d := range vm.Config.Hardware.Device {
			if nic, ok := d.(types.BaseVirtualEthernetCard); ok {
				if b, ok := nic.GetVirtualEthernetCard().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok {
					use[b.DeviceName]++
				}
			}
		}
	}
	return use
}

func printVswitches(s *apiSession, ni *types.HostNetworkInfo) int {
	use := portUse(s, ni)
	for _, v := range ni.Vswitch {
		num := v.NumPorts
		if num == 0 {
			num = 1536
		}
		conf := int32(128)
		if v.Spec.NumPorts > 0 {
			conf = v.Spec.NumPorts
		}
		mtu := v.Mtu
		if mtu == 0 {
			mtu = 1500
		}
		var uplinks []string
		for _, p := range v.Pnic {
			uplinks = append(uplinks, strings.TrimPrefix(p, "key-vim.host.PhysicalNic-"))
		}
		used := 0
		var pgs []types.HostPortGroup
		for _, p := range ni.Portgroup {
			if p.Spec.VswitchName == v.Name {
				pgs = append(pgs, p)
				used += use[p.Spec.Name]
			}
		}
		fmt.Printf("%-16s %-11s %-11s %-17s %-7s %-10s\n", "Switch Name", "Num Ports", "Used Ports", "Configured Ports", "MTU", "Uplinks")
		fmt.Printf("%-16s %-11d %-11d %-17d %-7d %-10s\n\n", v.Name, num, used+len(uplinks), conf, mtu, strings.Join(uplinks, ","))
		fmt.Printf("  %-21s %-8s %-11s %-10s\n", "PortGroup Name", "VLAN ID", "Used Ports", "Uplinks")
		for _, p := range pgs {
			fmt.Printf("  %-21s %-8d %-11d %-10s\n", p.Spec.Name, p.Spec.VlanId, use[p.Spec.Name], strings.Join(uplinks, ","))
		}
		fmt.Println()
	}
	return 0
}
