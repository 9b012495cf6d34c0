package main

// vim-cmd: the subset OpenNebula's drivers and tests use, against the live
// simulator through the vSphere API.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func vimCmdUsage() int {
	fmt.Fprint(os.Stderr, `Commands available under / (esxsim subset):
vmsvc/getallvms
vmsvc/power.getstate|power.on|power.off|power.shutdown|power.reboot|power.reset|power.suspend VMID
vmsvc/reload VMID
vmsvc/unregister VMID
vmsvc/destroy VMID
vmsvc/get.summary VMID
vmsvc/device.diskaddexisting VMID DISKPATH CONTROLLER UNIT [DS]
vmsvc/device.diskremove VMID CONTROLLER UNIT DELETEFILE
solo/registervm PATH [NAME]
hostsvc/datastore/listsummary
`)
	return 1
}

// exitZeroKnob: if this file exists in the chroot, vim-cmd exits 0 even when
// the command failed (messages unchanged), as a real vim-cmd often does.
const exitZeroKnob = "/etc/esxsim/vim-cmd-exit-zero"

func vimCmdMain(args []string) int {
	rc := vimCmd(args)
	if rc != 0 {
		if _, err := os.Stat(exitZeroKnob); err == nil {
			return 0
		}
	}
	return rc
}

func vimCmd(args []string) int {
	if len(args) == 0 {
		return vimCmdUsage()
	}
	cmd := strings.Trim(args[0], "/")
	args = args[1:]
	need := func(n int, usage string) bool {
		if len(args) < n {
			fmt.Fprintf(os.Stderr, "Insufficient arguments.\nUsage: %s %s\n", cmd, usage)
			return false
		}
		return true
	}
	// check arguments before connecting
	switch cmd {
	case "vmsvc/getallvms", "hostsvc/datastore/listsummary":
	case "vmsvc/power.getstate", "vmsvc/power.on", "vmsvc/power.off", "vmsvc/power.shutdown",
		"vmsvc/power.reboot", "vmsvc/power.reset", "vmsvc/power.suspend", "vmsvc/reload",
		"vmsvc/unregister", "vmsvc/destroy", "vmsvc/get.summary":
		if !need(1, "vmid") {
			return 1
		}
	case "vmsvc/device.diskaddexisting":
		if !need(4, "vmid disk_file controller_number unit_number") {
			return 1
		}
	case "vmsvc/device.diskremove":
		if !need(4, "vmid controller_number unit_number delete_file") {
			return 1
		}
	case "solo/registervm":
		if !need(1, "vm path [name] [resourcepool]") {
			return 1
		}
	default:
		fmt.Fprintf(os.Stderr, "Unknown command: '%s'\n", cmd)
		return vimCmdUsage()
	}
	s, err := connectAPI()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.close()
	switch cmd {
	case "vmsvc/getallvms":
		return vimGetAllVMs(s)
	case "hostsvc/datastore/listsummary":
		return vimListSummary(s)
	case "solo/registervm":
		return vimRegister(s, args)
	case "vmsvc/device.diskaddexisting":
		return vimDiskAdd(s, args)
	case "vmsvc/device.diskremove":
		return vimDiskRemove(s, args)
	}
	vm, err := s.vmByID(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	o := object.NewVirtualMachine(s.c.Client, vm.Self)
	task := func(label, fail string, t *object.Task, err error) int {
		if label != "" {
			fmt.Println(label)
		}
		if err == nil {
			err = t.Wait(s.ctx)
		}
		if err != nil {
			if fail != "" {
				fmt.Fprintln(os.Stderr, fail)
			}
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	switch cmd {
	case "vmsvc/power.getstate":
		fmt.Println("Retrieved runtime info")
		fmt.Println(powerText(vm.Runtime.PowerState))
		return 0
	case "vmsvc/power.on":
		t, err := o.PowerOn(s.ctx)
		return task("Powering on VM:", "Power on failed", t, err)
	case "vmsvc/power.off":
		t, err := o.PowerOff(s.ctx)
		return task("Powering off VM:", "Power off failed", t, err)
	case "vmsvc/power.reset":
		t, err := o.Reset(s.ctx)
		return task("Reset VM:", "Reset failed", t, err)
	case "vmsvc/power.suspend":
		t, err := o.Suspend(s.ctx)
		return task("Suspending VM:", "Suspend failed", t, err)
	case "vmsvc/power.shutdown":
		if err := o.ShutdownGuest(s.ctx); err != nil {
			fmt.Fprintf(os.Stderr, "Shutdown failed\n%v\n", err)
			return 1
		}
		return 0
	case "vmsvc/power.reboot":
		if err := o.RebootGuest(s.ctx); err != nil {
			fmt.Fprintf(os.Stderr, "Reboot failed\n%v\n", err)
			return 1
		}
		return 0
	case "vmsvc/reload":
		if err := s.controlPost("/esxsim/reload?vm=" + urlQueryEscape(vm.Name)); err != nil {
			fmt.Fprintf(os.Stderr, "Reload failed: %v\n", err)
			return 1
		}
		return 0
	case "vmsvc/unregister":
		if err := o.Unregister(s.ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "vmsvc/destroy":
		t, err := o.Destroy(s.ctx)
		return task("", "", t, err)
	case "vmsvc/get.summary":
		return vimSummary(vm)
	}
	return vimCmdUsage()
}

func powerText(p types.VirtualMachinePowerState) string {
	switch p {
	case types.VirtualMachinePowerStatePoweredOn:
		return "Powered on"
	case types.VirtualMachinePowerStateSuspended:
		return "Suspended"
	}
	return "Powered off"
}

func vimGetAllVMs(s *apiSession) int {
	vms, err := s.hostVMs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sort.Slice(vms, func(i, j int) bool {
		a, ea := strconv.Atoi(vms[i].ID)
		b, eb := strconv.Atoi(vms[j].ID)
		if ea == nil && eb == nil {
			return a < b
		}
		return vms[i].ID < vms[j].ID
	})
	rows := [][]string{{"Vmid", "Name", "File", "Guest OS", "Version", "Annotation"}}
	for _, v := range vms {
		var file, guest, ver, ann string
		if v.Config != nil {
			file = v.Config.Files.VmPathName
			guest = v.Config.GuestId
			ver = v.Config.Version
			ann = v.Config.Annotation
		}
		rows = append(rows, []string{v.ID, v.Name, file, guest, ver, ann})
	}
	w := make([]int, 5)
	for _, r := range rows {
		for i := 0; i < 5; i++ {
			if len(r[i]) > w[i] {
				w[i] = len(r[i])
			}
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i := 0; i < 5; i++ {
			fmt.Fprintf(&b, "%-*s   ", w[i], r[i])
		}
		b.WriteString(r[5])
		fmt.Println(strings.TrimRight(b.String(), " "))
	}
	return 0
}

func vimSummary(vm *vmInfo) int {
	fmt.Println("Listsummary:")
	fmt.Println("(vim.vm.Summary) {")
	fmt.Printf("   vm = 'vim.VirtualMachine:%s',\n", vm.ID)
	fmt.Printf("   runtime = (vim.vm.RuntimeInfo) {\n      powerState = \"%s\",\n   },\n", vm.Runtime.PowerState)
	if vm.Config != nil {
		fmt.Printf("   config = (vim.vm.Summary.ConfigSummary) {\n      name = \"%s\",\n      vmPathName = \"%s\",\n      memorySizeMB = %d,\n      numCpu = %d,\n      guestId = \"%s\",\n      uuid = \"%s\",\n   },\n",
			vm.Name, vm.Config.Files.VmPathName, vm.Config.Hardware.MemoryMB, vm.Config.Hardware.NumCPU, vm.Config.GuestId, vm.Config.Uuid)
	}
	fmt.Println("}")
	return 0
}

func vimListSummary(s *apiSession) int {
	dss, err := s.datastores()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sort.Slice(dss, func(i, j int) bool { return dss[i].Name < dss[j].Name })
	fmt.Println("(vim.Datastore.Summary) [")
	for i, d := range dss {
		sm := d.Summary
		mm := sm.MaintenanceMode
		if mm == "" {
			mm = "normal"
		}
		fmt.Println("   (vim.Datastore.Summary) {")
		fmt.Printf("      datastore = 'vim.Datastore:%s',\n", d.UUID)
		fmt.Printf("      name = \"%s\",\n", d.Name)
		fmt.Printf("      url = \"%s\",\n", strings.TrimRight(sm.Url, "/"))
		fmt.Printf("      capacity = %d,\n", sm.Capacity)
		fmt.Printf("      freeSpace = %d,\n", sm.FreeSpace)
		fmt.Printf("      uncommitted = %d,\n", sm.Uncommitted)
		fmt.Printf("      accessible = %v,\n", sm.Accessible)
		fmt.Printf("      multipleHostAccess = <unset>,\n")
		fmt.Printf("      type = \"%s\",\n", sm.Type)
		fmt.Printf("      maintenanceMode = \"%s\",\n", mm)
		if i < len(dss)-1 {
			fmt.Println("   },")
		} else {
			fmt.Println("   }")
		}
	}
	fmt.Println("]")
	return 0
}

func vimRegister(s *apiSession, args []string) int {
	path, err := s.toDatastorePath(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	name := ""
	if len(args) > 1 {
		name = args[1]
	}
	dcRef, folder, pool, err := s.placement()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = dcRef
	host := object.NewHostSystem(s.c.Client, s.host.Reference())
	t, err := folder.RegisterVM(s.ctx, path, name, false, pool, host)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	info, err := t.WaitForResult(s.ctx, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if ref, ok := info.Result.(types.ManagedObjectReference); ok {
		fmt.Println(vmidOf(ref))
	}
	return 0
}

// placement finds the datacenter's VM folder and the host's resource pool.
func (s *apiSession) placement() (*object.Datacenter, *object.Folder, *object.ResourcePool, error) {
	fd := find.NewFinder(s.c.Client, true)
	var dc *object.Datacenter
	var err error
	if n := s.conf["DATACENTER"]; n != "" {
		dc, err = fd.Datacenter(s.ctx, n)
	} else {
		dc, err = fd.DefaultDatacenter(s.ctx)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	folders, err := dc.Folders(s.ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var cr mo.ComputeResource
	if s.host.Parent == nil {
		return nil, nil, nil, fmt.Errorf("host has no compute resource")
	}
	if err := s.c.RetrieveOne(s.ctx, *s.host.Parent, []string{"resourcePool"}, &cr); err != nil {
		return nil, nil, nil, err
	}
	if cr.ResourcePool == nil {
		return nil, nil, nil, fmt.Errorf("host has no resource pool")
	}
	return dc, folders.VmFolder, object.NewResourcePool(s.c.Client, *cr.ResourcePool), nil
}

func findSCSI(devs []types.BaseVirtualDevice, bus int32) *types.VirtualSCSIController {
	for _, d := range devs {
		if c, ok := d.(types.BaseVirtualSCSIController); ok {
			if sc := c.GetVirtualSCSIController(); sc.BusNumber == bus {
				return sc
			}
		}
	}
	return nil
}

func vimDiskAdd(s *apiSession, args []string) int {
	fail := func(msg string) int {
		fmt.Fprintln(os.Stderr, "Reconfigure failed")
		if msg != "" {
			fmt.Fprintln(os.Stderr, msg)
		}
		return 1
	}
	vm, err := s.vmByID(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctrlN, err1 := strconv.Atoi(args[2])
	unit, err2 := strconv.Atoi(args[3])
	if err1 != nil || err2 != nil || unit == 7 || unit < 0 || unit > 15 {
		return fail("invalid controller or unit number")
	}
	if vm.Config == nil {
		return fail("VM has no configuration")
	}
	ctrl := findSCSI(vm.Config.Hardware.Device, int32(ctrlN))
	if ctrl == nil {
		return fail(fmt.Sprintf("no SCSI controller %d", ctrlN))
	}
	for _, d := range vm.Config.Hardware.Device {
		v := d.GetVirtualDevice()
		if v.ControllerKey == ctrl.Key && v.UnitNumber != nil && int(*v.UnitNumber) == unit {
			return fail(fmt.Sprintf("scsi%d:%d is in use", ctrlN, unit))
		}
	}
	diskPath := args[1]
	local := fromDatastorePath(diskPath)
	desc, err := readDescriptor(local)
	if err != nil {
		return fail(fmt.Sprintf("File %s was not found", diskPath))
	}
	dsPath, err := s.toDatastorePath(diskPath)
	if err != nil {
		return fail(err.Error())
	}
	u := int32(unit)
	disk := &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{
			Key:           -100,
			ControllerKey: ctrl.Key,
			UnitNumber:    &u,
			Backing: &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: dsPath},
				DiskMode:                     string(types.VirtualDiskModePersistent),
				ThinProvisioned:              types.NewBool(desc.DDB["ddb.thinProvisioned"] == "1"),
			},
		},
		CapacityInKB: desc.capacitySectors() * sectorSize / 1024,
	}
	spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
		&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: disk},
	}}
	o := object.NewVirtualMachine(s.c.Client, vm.Self)
	t, err := o.Reconfigure(s.ctx, spec)
	if err == nil {
		err = t.Wait(s.ctx)
	}
	if err != nil {
		return fail(err.Error())
	}
	vmx := fromDatastorePath(vm.Config.Files.VmPathName)
	fileName := vmxFileName(vmx, local)
	prefix := fmt.Sprintf("scsi%d:%d.", ctrlN, unit)
	if err := patchVMX(vmx, prefix, [][2]string{
		{prefix + "present", "TRUE"},
		{prefix + "fileName", fileName},
		{prefix + "deviceType", "scsi-hardDisk"},
	}); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %s not updated: %v\n", vmx, err)
	}
	return 0
}

func vimDiskRemove(s *apiSession, args []string) int {
	fail := func(msg string) int {
		fmt.Fprintln(os.Stderr, "Reconfigure failed")
		if msg != "" {
			fmt.Fprintln(os.Stderr, msg)
		}
		return 1
	}
	vm, err := s.vmByID(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctrlN, err1 := strconv.Atoi(args[1])
	unit, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || vm.Config == nil {
		return fail("invalid controller or unit number")
	}
	del := false
	switch strings.ToLower(args[3]) {
	case "true", "1", "yes":
		del = true
	}
	ctrl := findSCSI(vm.Config.Hardware.Device, int32(ctrlN))
	if ctrl == nil {
		return fail(fmt.Sprintf("no SCSI controller %d", ctrlN))
	}
	var disk *types.VirtualDisk
	for _, d := range vm.Config.Hardware.Device {
		if vd, ok := d.(*types.VirtualDisk); ok {
			if vd.ControllerKey == ctrl.Key && vd.UnitNumber != nil && int(*vd.UnitNumber) == unit {
				disk = vd
			}
		}
	}
	if disk == nil {
		return fail(fmt.Sprintf("no disk at scsi%d:%d", ctrlN, unit))
	}
	ds := &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: disk}
	if del {
		ds.FileOperation = types.VirtualDeviceConfigSpecFileOperationDestroy
	}
	o := object.NewVirtualMachine(s.c.Client, vm.Self)
	t, err := o.Reconfigure(s.ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{ds}})
	if err == nil {
		err = t.Wait(s.ctx)
	}
	if err != nil {
		return fail(err.Error())
	}
	vmx := fromDatastorePath(vm.Config.Files.VmPathName)
	if err := patchVMX(vmx, fmt.Sprintf("scsi%d:%d.", ctrlN, unit), nil); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %s not updated: %v\n", vmx, err)
	}
	return 0
}

// vmxFileName: ESX writes a disk in the VM's directory by its base name,
// others by their absolute /vmfs/volumes/<uuid>/... path.
func vmxFileName(vmx, disk string) string {
	vdir, _ := filepath.EvalSymlinks(filepath.Dir(vmx))
	ddir, err := filepath.EvalSymlinks(filepath.Dir(disk))
	if err != nil {
		return disk
	}
	if vdir == ddir {
		return filepath.Base(disk)
	}
	return filepath.Join(ddir, filepath.Base(disk))
}

var vmxKeyRe = regexp.MustCompile(`^\s*([^=\s]+)\s*=`)

// patchVMX removes every key starting with prefix (case-insensitive) and
// appends the given pairs.
func patchVMX(path, prefix string, set [][2]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	st, _ := os.Stat(path)
	var out []string
	for _, ln := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if m := vmxKeyRe.FindStringSubmatch(ln); m != nil && strings.HasPrefix(strings.ToLower(m[1]), strings.ToLower(prefix)) {
			continue
		}
		out = append(out, ln)
	}
	for _, kv := range set {
		out = append(out, fmt.Sprintf("%s = \"%s\"", kv[0], kv[1]))
	}
	return writeFileAtomic(path, []byte(strings.Join(out, "\n")+"\n"), st.Mode().Perm())
}

func urlQueryEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
