// esxsim-client: a tiny govmomi-based client used by the esxsim-server tests.
//
//	esxsim-client -url https://127.0.0.1:PORT/sdk -user root -password-file F CMD [ARGS]
//
// Commands: reconfig VM  | monitor | portgroup PG VLAN | logout-check
package main

import (
	"context"
	"flag"
	"fmt"
	"io/ioutil"
	"net/url"
	"os"
	"strings"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/performance"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func die(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "esxsim-client: "+f+"\n", a...)
	os.Exit(1)
}

func main() {
	u := flag.String("url", "", "SDK URL")
	user := flag.String("user", "root", "user")
	pwf := flag.String("password-file", "", "password file")
	flag.Parse()
	if *u == "" || flag.NArg() < 1 {
		die("usage: -url URL [-user U] [-password-file F] CMD ARGS")
	}
	pw := ""
	if *pwf != "" {
		b, err := ioutil.ReadFile(*pwf)
		if err != nil {
			die("%v", err)
		}
		pw = strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
	}
	pu, err := url.Parse(*u)
	if err != nil {
		die("%v", err)
	}
	pu.User = url.UserPassword(*user, pw)
	ctx := context.Background()
	c, err := govmomi.NewClient(ctx, pu, true)
	if err != nil {
		die("connect: %v", err)
	}
	defer c.Logout(ctx)
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		die("datacenter: %v", err)
	}
	f.SetDatacenter(dc)

	switch flag.Arg(0) {
	case "reconfig":
		vm, err := f.VirtualMachine(ctx, flag.Arg(1))
		if err != nil {
			die("vm: %v", err)
		}
		reconfig(ctx, vm)
	case "monitor":
		monitor(ctx, c)
	case "portgroup":
		portgroup(ctx, c, f, flag.Arg(1), flag.Arg(2))
	case "perf":
		vm, err := f.VirtualMachine(ctx, flag.Arg(1))
		if err != nil {
			die("vm: %v", err)
		}
		pm := performance.NewManager(c.Client)
		spec := types.PerfQuerySpec{MaxSample: 1, MetricId: []types.PerfMetricId{{Instance: ""}}, IntervalId: 20}
		samples, err := pm.SampleByName(ctx, spec, []string{"net.packetsRx.summation", "net.packetsTx.summation", "cpu.usage.average"}, []types.ManagedObjectReference{vm.Reference()})
		if err != nil {
			die("perf: %v", err)
		}
		res, err := pm.ToMetricSeries(ctx, samples)
		if err != nil {
			die("perf series: %v", err)
		}
		for _, m := range res {
			for _, v := range m.Value {
				fmt.Printf("PERF %s %s %v\n", v.Name, v.Instance, v.Value)
			}
		}
	case "power":
		vm, err := f.VirtualMachine(ctx, flag.Arg(1))
		if err != nil {
			die("vm: %v", err)
		}
		var t *object.Task
		switch flag.Arg(2) {
		case "reset":
			t, err = vm.Reset(ctx)
		case "on":
			t, err = vm.PowerOn(ctx)
		case "off":
			t, err = vm.PowerOff(ctx)
		case "suspend":
			t, err = vm.Suspend(ctx)
		case "reboot":
			err = vm.RebootGuest(ctx)
		case "shutdown":
			err = vm.ShutdownGuest(ctx)
		default:
			die("power on|off|reset|suspend|reboot|shutdown")
		}
		if err == nil && t != nil {
			err = t.Wait(ctx)
		}
		if err != nil {
			die("%s: %v", flag.Arg(2), err)
		}
		st, _ := vm.PowerState(ctx)
		fmt.Println(st)
	case "addnic": // addnic VM MODEL NETWORK MAC (as OpenNebula's attach_nic)
		vm, err := f.VirtualMachine(ctx, flag.Arg(1))
		if err != nil {
			die("vm: %v", err)
		}
		card := types.VirtualEthernetCard{VirtualDevice: types.VirtualDevice{Key: -1,
			Backing: &types.VirtualEthernetCardNetworkBackingInfo{VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: flag.Arg(3)}}},
			AddressType: "manual", MacAddress: flag.Arg(4)}
		var dev types.BaseVirtualDevice
		switch flag.Arg(2) {
		case "e1000":
			dev = &types.VirtualE1000{VirtualEthernetCard: card}
		case "e1000e":
			dev = &types.VirtualE1000e{VirtualEthernetCard: card}
		case "vmxnet3":
			dev = &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}}
		case "pcnet32":
			dev = &types.VirtualPCNet32{VirtualEthernetCard: card}
		default:
			die("model e1000|e1000e|vmxnet3|pcnet32")
		}
		t, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{Operation: "add", Device: dev}}})
		if err == nil {
			err = t.Wait(ctx)
		}
		if err != nil {
			die("addnic: %v", err)
		}
		fmt.Println("ok")
	case "delnic": // delnic VM MAC
		vm, err := f.VirtualMachine(ctx, flag.Arg(1))
		if err != nil {
			die("vm: %v", err)
		}
		devs, err := vm.Device(ctx)
		if err != nil {
			die("devices: %v", err)
		}
		for _, d := range devs {
			if n, ok := d.(types.BaseVirtualEthernetCard); ok && n.GetVirtualEthernetCard().MacAddress == flag.Arg(2) {
				t, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
					&types.VirtualDeviceConfigSpec{Operation: "remove", Device: d}}})
				if err == nil {
					err = t.Wait(ctx)
				}
				if err != nil {
					die("delnic: %v", err)
				}
				fmt.Println("ok")
				return
			}
		}
		fmt.Println("-1")
	case "pagecount": // pagecount MAXOBJECTS: RetrievePropertiesEx over a VM ContainerView, following tokens
		var max int32
		fmt.Sscanf(flag.Arg(1), "%d", &max)
		m := view.NewManager(c.Client)
		v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
		if err != nil {
			die("view: %v", err)
		}
		defer v.Destroy(ctx)
		ts := true
		req := types.RetrievePropertiesEx{This: c.ServiceContent.PropertyCollector, Options: types.RetrieveOptions{MaxObjects: max},
			SpecSet: []types.PropertyFilterSpec{{
				ObjectSet: []types.ObjectSpec{{Obj: v.Reference(), Skip: &ts, SelectSet: []types.BaseSelectionSpec{
					&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
				PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState", "summary.quickStats"}}},
			}}}
		res, err := methods.RetrievePropertiesEx(ctx, c.Client, &req)
		if err != nil {
			die("retrieve: %v", err)
		}
		pages, total := 0, 0
		r := res.Returnval
		for r != nil {
			pages++
			total += len(r.Objects)
			if r.Token == "" {
				break
			}
			cres, err := methods.ContinueRetrievePropertiesEx(ctx, c.Client, &types.ContinueRetrievePropertiesEx{This: req.This, Token: r.Token})
			if err != nil {
				die("continue: %v", err)
			}
			r = &cres.Returnval
		}
		fmt.Printf("PAGES=%d\nOBJECTS=%d\n", pages, total)
	case "noop":
		fmt.Println("ok")
	default:
		die("unknown command %s", flag.Arg(0))
	}
}

func reconfig(ctx context.Context, vm *object.VirtualMachine) {
	devs, err := vm.Device(ctx)
	if err != nil {
		die("devices: %v", err)
	}
	scsi, err := devs.FindDiskController("scsi")
	if err != nil {
		die("scsi controller: %v", err)
	}
	var o mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config.files.vmPathName", "name"}, &o); err != nil {
		die("props: %v", err)
	}
	var vp object.DatastorePath
	vp.FromString(o.Config.Files.VmPathName)
	diskPath := fmt.Sprintf("[%s] %s/%s_extra.vmdk", vp.Datastore, strings.Split(vp.Path, "/")[0], o.Name)
	disk := &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{
			Key: -1, ControllerKey: scsi.(types.BaseVirtualDevice).GetVirtualDevice().Key,
			Backing: &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: diskPath},
				DiskMode:                     "persistent", ThinProvisioned: types.NewBool(true),
			},
		},
		CapacityInKB: 8 * 1024,
	}
	nic := &types.VirtualE1000{VirtualEthernetCard: types.VirtualEthernetCard{
		VirtualDevice: types.VirtualDevice{Key: -2, Backing: &types.VirtualEthernetCardNetworkBackingInfo{
			VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: "VM Network"}}},
		AddressType: "manual", MacAddress: "00:50:56:aa:bb:cc"}}
	spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
		&types.VirtualDeviceConfigSpec{Operation: "add", FileOperation: "create", Device: disk},
		&types.VirtualDeviceConfigSpec{Operation: "add", Device: nic},
	}}
	task, err := vm.Reconfigure(ctx, spec)
	if err != nil {
		die("reconfigure: %v", err)
	}
	if err := task.Wait(ctx); err != nil {
		die("reconfigure task: %v", err)
	}
	devs, err = vm.Device(ctx)
	if err != nil {
		die("devices: %v", err)
	}
	foundNIC, foundDisk := false, false
	for _, d := range devs {
		switch x := d.(type) {
		case *types.VirtualE1000:
			if x.MacAddress == "00:50:56:aa:bb:cc" {
				foundNIC = true
			}
		case *types.VirtualDisk:
			if b, ok := x.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && b.FileName == diskPath {
				foundDisk = true
			}
		}
	}
	fmt.Printf("API_NIC=%v\nAPI_DISK=%v\nDISK=%s\nVMX=%s\n", foundNIC, foundDisk, diskPath, o.Config.Files.VmPathName)
	if !foundNIC || !foundDisk {
		os.Exit(1)
	}
	// remove the NIC again
	for _, d := range devs {
		if x, ok := d.(*types.VirtualE1000); ok && x.MacAddress == "00:50:56:aa:bb:cc" {
			task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
				&types.VirtualDeviceConfigSpec{Operation: "remove", Device: x}}})
			if err != nil || task.Wait(ctx) != nil {
				die("remove nic failed")
			}
			fmt.Println("NIC_REMOVED=true")
		}
	}
}

func monitor(ctx context.Context, c *govmomi.Client) {
	m := view.NewManager(c.Client)
	v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		die("container view: %v", err)
	}
	defer v.Destroy(ctx)
	var vms []mo.VirtualMachine
	err = v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "summary.quickStats", "runtime.powerState",
		"config.hardware.device", "config.extraConfig", "summary.config", "runtime.host"}, &vms)
	if err != nil {
		die("retrieve: %v", err)
	}
	for _, vm := range vms {
		qs := vm.Summary.QuickStats
		fmt.Printf("VM %s %s cpu=%d guestmem=%d hostmem=%d devices=%d mem=%d\n", vm.Name, vm.Runtime.PowerState,
			qs.OverallCpuUsage, qs.GuestMemoryUsage, qs.HostMemoryUsage, len(vm.Config.Hardware.Device), vm.Summary.Config.MemorySizeMB)
	}
	hv, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"HostSystem"}, true)
	if err != nil {
		die("container view: %v", err)
	}
	defer hv.Destroy(ctx)
	var hosts []mo.HostSystem
	if err := hv.Retrieve(ctx, []string{"HostSystem"}, []string{"name", "summary.hardware", "summary.quickStats", "config.network.portgroup"}, &hosts); err != nil {
		die("hosts: %v", err)
	}
	for _, h := range hosts {
		fmt.Printf("HOST %s mhz=%d cores=%d mem=%d cpuused=%d memused=%d\n", h.Name, h.Summary.Hardware.CpuMhz,
			h.Summary.Hardware.NumCpuCores, h.Summary.Hardware.MemorySize, h.Summary.QuickStats.OverallCpuUsage, h.Summary.QuickStats.OverallMemoryUsage)
	}
	dv, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"Datastore"}, true)
	if err != nil {
		die("container view: %v", err)
	}
	defer dv.Destroy(ctx)
	var dss []mo.Datastore
	if err := dv.Retrieve(ctx, []string{"Datastore"}, []string{"summary"}, &dss); err != nil {
		die("datastores: %v", err)
	}
	for _, d := range dss {
		fmt.Printf("DS %s type=%s capacity=%d free=%d url=%s\n", d.Summary.Name, d.Summary.Type, d.Summary.Capacity, d.Summary.FreeSpace, d.Summary.Url)
	}
}

func portgroup(ctx context.Context, c *govmomi.Client, f *find.Finder, pg, vlan string) {
	hosts, err := f.HostSystemList(ctx, "*")
	if err != nil {
		die("hosts: %v", err)
	}
	var id int32
	fmt.Sscanf(vlan, "%d", &id)
	for _, h := range hosts {
		ns, err := h.ConfigManager().NetworkSystem(ctx)
		if err != nil {
			die("netsys: %v", err)
		}
		spec := types.HostPortGroupSpec{Name: pg, VlanId: id, VswitchName: "vSwitch0"}
		if err := ns.AddPortGroup(ctx, spec); err != nil {
			die("add portgroup: %v", err)
		}
		spec.VlanId = id + 1
		if err := ns.UpdatePortGroup(ctx, pg, spec); err != nil {
			die("update portgroup: %v", err)
		}
		var o mo.HostSystem
		if err := h.Properties(ctx, h.Reference(), []string{"config.network.portgroup", "network"}, &o); err != nil {
			die("props: %v", err)
		}
		for _, p := range o.Config.Network.Portgroup {
			if p.Spec.Name == pg {
				fmt.Printf("PG %s %s vlan=%d\n", h.Name(), p.Spec.Name, p.Spec.VlanId)
			}
		}
	}
	nets, err := f.NetworkList(ctx, "*")
	if err != nil {
		die("networks: %v", err)
	}
	for _, n := range nets {
		fmt.Printf("NET %s\n", n.GetInventoryPath())
	}
}
