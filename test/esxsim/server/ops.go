package main

import (
	"context"
	"fmt"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *Sim) registerVM(ctx context.Context, req *types.RegisterVM_Task) *reply {
	real, _, ok := s.dsPathToReal(req.Path)
	if !ok {
		return failTask(req.This, "RegisterVM_Task", &types.InvalidDatastorePath{DatastorePath: req.Path}, "Invalid datastore path '"+req.Path+"'.")
	}
	f, err := readVMXFile(real)
	if err != nil {
		return failTask(req.This, "RegisterVM_Task", &types.NotFound{}, "The object or item referred to could not be found.")
	}
	if req.Name == "" {
		req.Name = f.get("displayName")
	}
	if req.Name == "" {
		req.Name = strings.TrimSuffix(filepath.Base(real), ".vmx")
	}
	dir := filepath.Dir(real)
	for _, n := range []string{req.Name + ".nvram", "vmware.log"} {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err != nil {
			_ = ioutil.WriteFile(p, nil, 0644)
		}
	}
	if req.Pool == nil && !req.AsTemplate {
		// default pool: the host's (or first host's) compute resource pool
		h := s.hosts[0]
		if req.Host != nil {
			h = *req.Host
		}
		if p := s.hostPool(h); p != nil {
			req.Pool = p
		}
	}
	res, err := methods.RegisterVM_Task(ctx, s.client, req)
	if err != nil {
		return soapErrReply(err)
	}
	if t := taskOf(res.Returnval); t != nil && t.Info.State == types.TaskInfoStateSuccess {
		if ref, ok := t.Info.Result.(types.ManagedObjectReference); ok {
			if vm := s.vmOf(ref); vm != nil {
				_ = s.applyVMX(vm)
			}
		}
	}
	return taskReply("RegisterVM_Task", res.Returnval)
}

func (s *Sim) hostPool(h types.ManagedObjectReference) *types.ManagedObjectReference {
	host := hostObj(h)
	if host == nil || host.Parent == nil {
		return nil
	}
	switch cr := simulator.Map.Get(*host.Parent).(type) {
	case *mo.ComputeResource:
		return cr.ResourcePool
	case *simulator.ClusterComputeResource:
		return cr.ResourcePool
	}
	return nil
}

// unknownNICs finds NIC backings that name a network unknown to the
// datacenter. ESX accepts them (the NIC is then simply not connected to a
// port group) but vcsim would panic: they are passed to vcsim as "VM Network"
// and restored afterwards by restoreNICs.
type nicFix struct {
	b    *types.VirtualEthernetCardNetworkBackingInfo
	name string
}

func (s *Sim) unknownNICs(spec *types.VirtualMachineConfigSpec) []nicFix {
	dc, _ := simulator.Map.Get(s.dcRef).(*simulator.Datacenter)
	var fixes []nicFix
	for _, dc0 := range spec.DeviceChange {
		d := dc0.GetVirtualDeviceConfigSpec()
		if _, ok := d.Device.(types.BaseVirtualEthernetCard); !ok {
			continue
		}
		if d.Operation == types.VirtualDeviceConfigSpecOperationRemove {
			// vcsim's removeDevice dereferences backing.network, which a
			// NIC on an unknown network (e.g. deviceName vSwitch0) lacks:
			// give it a reference that matches nothing, restored after.
			if b, ok := d.Device.GetVirtualDevice().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok && b.Network == nil {
				b.Network = &types.ManagedObjectReference{Type: "Network", Value: "esxsim-no-network"}
				fixes = append(fixes, nicFix{b, b.DeviceName})
			}
			continue
		}
		if b, ok := d.Device.GetVirtualDevice().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok {
			if dc == nil || simulator.Map.FindByName(b.DeviceName, dc.Network) == nil {
				fixes = append(fixes, nicFix{b, b.DeviceName})
				b.DeviceName = "VM Network"
			}
		}
	}
	return fixes
}

func (s *Sim) restoreNICs(vm *simulator.VirtualMachine, fixes []nicFix) {
	for _, f := range fixes {
		if f.b.Network != nil {
			simulator.RemoveReference(&vm.Network, *f.b.Network)
		}
		f.b.DeviceName = f.name
		f.b.Network = nil
	}
	// keep vm.Network consistent with the remaining NICs
	for _, d := range vm.Config.Hardware.Device {
		if n, ok := d.(types.BaseVirtualEthernetCard); ok {
			if b, ok := n.GetVirtualEthernetCard().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok && b.Network != nil {
				if simulator.FindReference(vm.Network, *b.Network) == nil {
					vm.Network = append(vm.Network, *b.Network)
				}
			}
		}
	}
}

// prepareDisks creates real VMDKs for disks added with fileOperation=create
// (vcsim would write empty files) and assigns unit numbers. It returns the
// real paths of disks removed with fileOperation=destroy.
func (s *Sim) prepareDisks(vm *simulator.VirtualMachine, spec *types.VirtualMachineConfigSpec) []string {
	var destroy []string
	var devs object.VirtualDeviceList
	if vm != nil {
		devs = object.VirtualDeviceList(vm.Config.Hardware.Device)
	}
	used := map[string]bool{}
	for _, d := range devs {
		vd := d.GetVirtualDevice()
		if vd.UnitNumber != nil {
			used[fmt.Sprintf("%d:%d", vd.ControllerKey, *vd.UnitNumber)] = true
		}
	}
	for _, dc0 := range spec.DeviceChange {
		d := dc0.GetVirtualDeviceConfigSpec()
		disk, ok := d.Device.(*types.VirtualDisk)
		if !ok {
			continue
		}
		fb, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo)
		if !ok {
			continue
		}
		info := fb.GetVirtualDeviceFileBackingInfo()
		switch d.Operation {
		case types.VirtualDeviceConfigSpecOperationRemove:
			if d.FileOperation == types.VirtualDeviceConfigSpecFileOperationDestroy {
				name := info.FileName
				if old := devs.FindByKey(disk.Key); old != nil {
					if ob, ok := old.GetVirtualDevice().Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
						name = ob.GetVirtualDeviceFileBackingInfo().FileName
					}
				}
				if real, _, ok := s.dsPathToReal(name); ok {
					destroy = append(destroy, real)
				}
				d.FileOperation = ""
			}
			continue
		case types.VirtualDeviceConfigSpecOperationAdd:
		default:
			continue
		}
		if disk.UnitNumber == nil {
			for u := int32(0); u < 16; u++ {
				if u == 7 {
					continue
				}
				k := fmt.Sprintf("%d:%d", disk.ControllerKey, u)
				if !used[k] {
					used[k] = true
					disk.UnitNumber = types.NewInt32(u)
					break
				}
			}
		} else {
			used[fmt.Sprintf("%d:%d", disk.ControllerKey, *disk.UnitNumber)] = true
		}
		var dp object.DatastorePath
		dp.FromString(info.FileName)
		if dp.Path == "" && vm != nil {
			vmx := vm.Config.Files.VmPathName
			var vp object.DatastorePath
			vp.FromString(vmx)
			if dp.Datastore == "" {
				dp.Datastore = vp.Datastore
			}
			dir := path.Dir(vp.Path)
			for i := 1; ; i++ {
				cand := fmt.Sprintf("%s/%s_%d.vmdk", dir, vm.Name, i)
				if i == 1 {
					cand = fmt.Sprintf("%s/%s.vmdk", dir, vm.Name)
				}
				real, _, ok := s.dsPathToReal(fmt.Sprintf("[%s] %s", dp.Datastore, cand))
				if !ok {
					break
				}
				if _, err := os.Stat(real); err != nil {
					dp.Path = cand
					break
				}
			}
			info.FileName = dp.String()
		}
		if d.FileOperation == types.VirtualDeviceConfigSpecFileOperationCreate {
			real, _, ok := s.dsPathToReal(info.FileName)
			if ok {
				thin := false
				if b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && b.ThinProvisioned != nil {
					thin = *b.ThinProvisioned
				}
				size := disk.CapacityInBytes
				if size == 0 {
					size = disk.CapacityInKB * 1024
				}
				if err := createVMDK(real, size, thin, "lsilogic"); err == nil {
					d.FileOperation = ""
				}
			}
		}
		if real, _, ok := s.dsPathToReal(info.FileName); ok {
			if vi, err := readVMDK(real); err == nil {
				if disk.CapacityInKB == 0 {
					disk.CapacityInKB = vi.capacity / 1024
					disk.CapacityInBytes = vi.capacity
				}
				if b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
					if b.ThinProvisioned == nil {
						b.ThinProvisioned = types.NewBool(vi.thin)
					}
					if b.Uuid == "" {
						b.Uuid = strings.ToUpper(biosToUUID(vi.uuid))
					}
					if b.DiskMode == "" {
						b.DiskMode = "persistent"
					}
				}
			}
		}
	}
	return destroy
}

func (s *Sim) migrateVM(req *types.MigrateVM_Task) *reply {
	vm := s.vmOf(req.This)
	if vm == nil {
		return notFoundReply(req.This)
	}
	ref := runTask(req.This, "migrateVM", func() (types.AnyType, types.BaseMethodFault, string) {
		var target types.ManagedObjectReference
		if req.Host != nil {
			target = *req.Host
		} else if len(s.hosts) > 0 {
			target = s.hosts[0]
		}
		dst := hostObj(target)
		if dst == nil {
			return nil, &types.InvalidArgument{InvalidProperty: "host"}, "A specified parameter was not correct: host"
		}
		if vm.Runtime.Host != nil && *vm.Runtime.Host == target {
			return nil, nil, ""
		}
		if vm.Runtime.Host != nil {
			if src := hostObj(*vm.Runtime.Host); src != nil {
				simulator.RemoveReference(&src.Vm, vm.Self)
			}
		}
		if simulator.FindReference(dst.Vm, vm.Self) == nil {
			dst.Vm = append(dst.Vm, vm.Self)
		}
		changes := []types.PropertyChange{
			{Name: "runtime.host", Val: target},
			{Name: "summary.runtime.host", Val: target},
		}
		if req.Pool != nil && (vm.ResourcePool == nil || *vm.ResourcePool != *req.Pool) {
			if vm.ResourcePool != nil {
				if rp, ok := simulator.Map.Get(*vm.ResourcePool).(*simulator.ResourcePool); ok {
					simulator.RemoveReference(&rp.Vm, vm.Self)
				}
			}
			if rp, ok := simulator.Map.Get(*req.Pool).(*simulator.ResourcePool); ok {
				rp.Vm = append(rp.Vm, vm.Self)
			}
			changes = append(changes, types.PropertyChange{Name: "resourcePool", Val: *req.Pool})
		}
		simulator.Map.Update(vm, changes)
		return nil, nil, ""
	})
	return taskReply("MigrateVM_Task", ref)
}

func (s *Sim) autostart(name string, m *simulator.Method) *reply {
	asm, ok := simulator.Map.Get(m.This).(*mo.HostAutoStartManager)
	if !ok {
		return notFoundReply(m.This)
	}
	if name != "ReconfigureAutostart" {
		return okReply(name, "")
	}
	req := m.Body.(*types.ReconfigureAutostart)
	if d := req.Spec.Defaults; d != nil {
		cur := asm.Config.Defaults
		if cur == nil {
			cur = &types.AutoStartDefaults{}
			asm.Config.Defaults = cur
		}
		if d.Enabled != nil {
			cur.Enabled = d.Enabled
		}
		if d.StartDelay != 0 {
			cur.StartDelay = d.StartDelay
		}
		if d.StopDelay != 0 {
			cur.StopDelay = d.StopDelay
		}
		if d.WaitForHeartbeat != nil {
			cur.WaitForHeartbeat = d.WaitForHeartbeat
		}
		if d.StopAction != "" {
			cur.StopAction = d.StopAction
		}
	}
	for _, pi := range req.Spec.PowerInfo {
		replaced := false
		for i := range asm.Config.PowerInfo {
			if asm.Config.PowerInfo[i].Key == pi.Key {
				asm.Config.PowerInfo[i] = pi
				replaced = true
			}
		}
		if !replaced {
			asm.Config.PowerInfo = append(asm.Config.PowerInfo, pi)
		}
	}
	// ESX drops entries with startAction none
	out := asm.Config.PowerInfo[:0]
	for _, pi := range asm.Config.PowerInfo {
		if pi.StartAction != "none" {
			out = append(out, pi)
		}
	}
	asm.Config.PowerInfo = out
	return okReply(name, "")
}

// ---- wild VMs ----

func (s *Sim) createWildVMs(ctx context.Context, n int, existing map[string]bool) error {
	if n == 0 {
		return nil
	}
	d := s.dsByName("datastore1")
	if d == nil {
		d = s.datastores[len(s.datastores)-1]
	}
	dc := simulator.Map.Get(s.dcRef).(*simulator.Datacenter)
	guests := []string{"otherLinux64Guest", "ubuntu64Guest", "debian10_64Guest", "windows9_64Guest", "centos7_64Guest"}
	mems := []int64{256, 512, 1024, 2048}
	exists := func(i int) bool {
		name := fmt.Sprintf("wild-%d", i)
		return existing[filepath.Join(d.dir, name, name+".vmx")]
	}
	// files first, in parallel (this is mostly I/O)
	if err := parallel(n, func(i int) error {
		name := fmt.Sprintf("wild-%d", i)
		if exists(i) {
			return nil
		}
		size := int64(1+i%4) * 1024 * 1024 * 1024
		if err := createVMDK(filepath.Join(d.dir, name, name+".vmdk"), size, true, "lsilogic"); err != nil && !os.IsExist(err) {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	vms := make([]*simulator.VirtualMachine, n+1)
	for i := 1; i <= n; i++ {
		if exists(i) {
			continue
		}
		name := fmt.Sprintf("wild-%d", i)
		h := s.hosts[(i-1)%len(s.hosts)]
		size := int64(1+i%4) * 1024 * 1024 * 1024
		ctrl := &types.VirtualLsiLogicController{VirtualSCSIController: types.VirtualSCSIController{
			VirtualController: types.VirtualController{VirtualDevice: types.VirtualDevice{Key: 1000, ControllerKey: 100, UnitNumber: types.NewInt32(3)}, BusNumber: 0},
			SharedBus:         "noSharing", ScsiCtlrUnitNumber: 7}}
		vd := &types.VirtualDisk{VirtualDevice: types.VirtualDevice{Key: 2000, ControllerKey: 1000, UnitNumber: types.NewInt32(0),
			Backing: &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: fmt.Sprintf("[%s] %s/%s.vmdk", d.name, name, name)},
				DiskMode:                     "persistent", ThinProvisioned: types.NewBool(true)}},
			CapacityInKB: size / 1024, CapacityInBytes: size}
		card := types.VirtualEthernetCard{VirtualDevice: types.VirtualDevice{Key: 4000,
			Backing: &types.VirtualEthernetCardNetworkBackingInfo{VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: "VM Network"}}},
			AddressType: "generated"}
		var nic types.BaseVirtualDevice = &types.VirtualE1000{VirtualEthernetCard: card}
		if i%2 == 0 {
			nic = &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}}
		}
		spec := types.VirtualMachineConfigSpec{
			Name: name, GuestId: guests[i%len(guests)], MemoryMB: mems[i%len(mems)], NumCPUs: int32(1 + i%2),
			Files:   &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s] %s/%s.vmx", d.name, name, name)},
			Version: "vmx-13",
		}
		for _, dev := range []types.BaseVirtualDevice{ctrl, vd, nic} {
			spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: "add", Device: dev})
		}
		res, err := methods.CreateVM_Task(ctx, s.client, &types.CreateVM_Task{This: dc.VmFolder, Config: spec, Pool: *s.hostPool(h), Host: &h})
		if err != nil {
			return err
		}
		t := taskOf(res.Returnval)
		if t == nil || t.Info.State != types.TaskInfoStateSuccess {
			if t != nil && t.Info.Error != nil {
				return fmt.Errorf("create %s: %T", name, t.Info.Error.Fault)
			}
			return fmt.Errorf("create %s failed", name)
		}
		vm := s.vmOf(t.Info.Result.(types.ManagedObjectReference))
		vm.Config.ExtraConfig = nil
		vms[i] = vm
		// power states set directly (no tasks/events/log writes: startup speed)
		state := types.VirtualMachinePowerStatePoweredOff
		switch i % 3 {
		case 1:
			state = types.VirtualMachinePowerStatePoweredOn
		case 2:
			state = types.VirtualMachinePowerStateSuspended
		}
		vm.Runtime.PowerState = state
		vm.Summary.Runtime.PowerState = state
		if state == types.VirtualMachinePowerStatePoweredOn {
			boot := time.Now().Add(-time.Duration(i*97) * time.Second)
			vm.Runtime.BootTime = &boot
			vm.Summary.Runtime.BootTime = &boot
		}
	}
	return parallel(n, func(i int) error {
		if vms[i] == nil {
			return nil
		}
		if err := s.generateVMX(vms[i]); err != nil {
			return err
		}
		s.fixVM(vms[i])
		return nil
	})
}

// parallel runs f(1..n) on a few workers and returns the first error.
func parallel(n int, f func(i int) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	next := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
