package main

import (
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type vmxEntry struct{ key, val string }

type vmxFile struct{ entries []vmxEntry }

// vmxLine parses `key = "value"`.
func vmxLine(line string) (string, string, bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", "", false
	}
	i := strings.IndexByte(line, '=')
	if i < 0 {
		return "", "", false
	}
	k := strings.TrimSpace(line[:i])
	v := strings.TrimSpace(line[i+1:])
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	v = strings.ReplaceAll(v, "|22", "\"")
	return k, v, k != ""
}

func parseVMX(text string) *vmxFile {
	f := &vmxFile{}
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := vmxLine(line); ok {
			f.entries = append(f.entries, vmxEntry{k, v})
		}
	}
	return f
}

func readVMXFile(path string) (*vmxFile, error) {
	b, err := ioutil.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseVMX(string(b)), nil
}

func (f *vmxFile) get(key string) string {
	for _, e := range f.entries {
		if strings.EqualFold(e.key, key) {
			return e.val
		}
	}
	return ""
}

func (f *vmxFile) has(key string) bool {
	for _, e := range f.entries {
		if strings.EqualFold(e.key, key) {
			return true
		}
	}
	return false
}

func (f *vmxFile) set(key, val string) {
	for i, e := range f.entries {
		if strings.EqualFold(e.key, key) {
			f.entries[i].val = val
			return
		}
	}
	f.entries = append(f.entries, vmxEntry{key, val})
}

func (f *vmxFile) del(re *regexp.Regexp) {
	out := f.entries[:0]
	for _, e := range f.entries {
		if !re.MatchString(strings.ToLower(e.key)) {
			out = append(out, e)
		}
	}
	f.entries = out
}

func (f *vmxFile) String() string {
	var b strings.Builder
	for _, e := range f.entries {
		v := strings.ReplaceAll(e.val, rootDir+"/vmfs/volumes", "/vmfs/volumes") // never leak the sandbox prefix
		fmt.Fprintf(&b, "%s = \"%s\"\n", e.key, strings.ReplaceAll(v, "\"", "|22"))
	}
	return b.String()
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".esxsim-tmp"
	if err := ioutil.WriteFile(tmp, data, 0644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var guestMap = [][2]string{
	{"otherGuest", "other"}, {"otherGuest64", "other-64"},
	{"otherLinuxGuest", "otherlinux"}, {"otherLinux64Guest", "otherlinux-64"},
	{"other24xLinuxGuest", "other24xlinux"}, {"other24xLinux64Guest", "other24xlinux-64"},
	{"other26xLinuxGuest", "other26xlinux"}, {"other26xLinux64Guest", "other26xlinux-64"},
	{"other3xLinuxGuest", "other3xlinux"}, {"other3xLinux64Guest", "other3xlinux-64"},
	{"ubuntuGuest", "ubuntu"}, {"ubuntu64Guest", "ubuntu-64"},
	{"debian6Guest", "debian6"}, {"debian6_64Guest", "debian6-64"},
	{"debian7Guest", "debian7"}, {"debian7_64Guest", "debian7-64"},
	{"debian8Guest", "debian8"}, {"debian8_64Guest", "debian8-64"},
	{"debian9Guest", "debian9"}, {"debian9_64Guest", "debian9-64"},
	{"debian10Guest", "debian10"}, {"debian10_64Guest", "debian10-64"},
	{"centosGuest", "centos"}, {"centos64Guest", "centos-64"},
	{"centos7_64Guest", "centos7-64"}, {"rhel6Guest", "rhel6"}, {"rhel6_64Guest", "rhel6-64"},
	{"rhel7_64Guest", "rhel7-64"}, {"sles11_64Guest", "sles11-64"}, {"sles12_64Guest", "sles12-64"},
	{"freebsd64Guest", "freebsd-64"}, {"freebsdGuest", "freebsd"},
	{"windows7Guest", "windows7"}, {"windows7_64Guest", "windows7-64"},
	{"windows8Guest", "windows8"}, {"windows8_64Guest", "windows8-64"},
	{"windows9Guest", "windows9"}, {"windows9_64Guest", "windows9-64"},
	{"windows7Server64Guest", "windows7srv-64"}, {"windows8Server64Guest", "windows8srv-64"},
	{"windows9Server64Guest", "windows9srv-64"}, {"winNetStandardGuest", "winnetstandard"},
	{"winNetEnterpriseGuest", "winnetenterprise"}, {"winXPProGuest", "winxppro"},
}

func guestToVMX(id string) string {
	for _, g := range guestMap {
		if g[0] == id {
			return g[1]
		}
	}
	if id == "" {
		return "other"
	}
	return strings.ToLower(strings.TrimSuffix(id, "Guest"))
}

func guestFromVMX(os string) string {
	for _, g := range guestMap {
		if strings.EqualFold(g[1], os) {
			return g[0]
		}
	}
	for _, g := range guestMap { // already a vSphere id?
		if strings.EqualFold(g[0], os) {
			return g[0]
		}
	}
	if strings.HasSuffix(os, "-64") {
		return "otherGuest64"
	}
	return "otherGuest"
}

func guestFullName(id string) string {
	switch {
	case strings.Contains(id, "ubuntu"):
		return "Ubuntu Linux (64-bit)"
	case strings.Contains(id, "debian"):
		return "Debian GNU/Linux (64-bit)"
	case strings.Contains(id, "centos"):
		return "CentOS (64-bit)"
	case strings.Contains(id, "Linux64") || strings.Contains(id, "Linux_64"):
		return "Other Linux (64-bit)"
	case strings.Contains(id, "Linux"):
		return "Other Linux (32-bit)"
	case strings.Contains(id, "windows") || strings.Contains(id, "win"):
		return "Microsoft Windows"
	case id == "otherGuest64":
		return "Other (64-bit)"
	}
	return "Other (32-bit)"
}

// uuid.bios "56 4d 12 34 ... - ..." <-> 564d1234-...
func biosToUUID(s string) string {
	h := strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(h) != 32 {
		return ""
	}
	h = strings.ToLower(h)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func uuidToBios(u string) string {
	h := strings.ReplaceAll(strings.ToLower(u), "-", "")
	if len(h) != 32 {
		return ""
	}
	var parts []string
	for i := 0; i < 32; i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts[:8], " ") + "-" + strings.Join(parts[8:], " ")
}

func scsiVirtualDev(d types.BaseVirtualDevice) string {
	switch d.(type) {
	case *types.VirtualLsiLogicSASController:
		return "lsisas1068"
	case *types.ParaVirtualSCSIController:
		return "pvscsi"
	case *types.VirtualBusLogicController:
		return "buslogic"
	}
	return "lsilogic"
}

func nicVirtualDev(d types.BaseVirtualDevice) string {
	switch d.(type) {
	case *types.VirtualE1000e:
		return "e1000e"
	case *types.VirtualVmxnet3:
		return "vmxnet3"
	case *types.VirtualVmxnet2:
		return "vmxnet2"
	case *types.VirtualPCNet32:
		return "vlance"
	case *types.VirtualVmxnet:
		return "vmxnet"
	}
	return "e1000"
}

// vmPaths returns the real .vmx path and its datastore path.
func (s *Sim) vmPaths(vm *simulator.VirtualMachine) (string, string) {
	if vm.Config == nil {
		return "", ""
	}
	p := vm.Config.Files.VmPathName
	real, _, ok := s.dsPathToReal(p)
	if !ok {
		return "", p
	}
	return real, p
}

// vmxFileName renders a disk's datastore path as the .vmx would: relative
// when in the .vmx directory, else /vmfs/volumes/<uuid>/path.
func (s *Sim) vmxFileName(vmxReal, dsPath string) string {
	real, d, ok := s.dsPathToReal(dsPath)
	if !ok {
		return dsPath
	}
	if filepath.Dir(real) == filepath.Dir(vmxReal) {
		return filepath.Base(real)
	}
	rel := strings.TrimPrefix(real, d.dir)
	return "/vmfs/volumes/" + d.uuid + rel
}

var reScsiKeys = regexp.MustCompile(`^scsi[0-9]+(:[0-9]+)?\.`)

// deviceVMX appends vmx entries for SCSI controllers+disks and/or NICs.
func (s *Sim) deviceVMX(f *vmxFile, vm *simulator.VirtualMachine, vmxReal string, scsi, nics bool) {
	devs := append(object.VirtualDeviceList(nil), vm.Config.Hardware.Device...)
	sort.SliceStable(devs, func(i, j int) bool { return devs[i].GetVirtualDevice().Key < devs[j].GetVirtualDevice().Key })
	bus := map[int32]int32{} // controller key -> scsi bus
	for _, d := range devs {
		if c, ok := d.(types.BaseVirtualSCSIController); ok {
			sc := c.GetVirtualSCSIController()
			bus[sc.Key] = sc.BusNumber
			if scsi {
				p := fmt.Sprintf("scsi%d", sc.BusNumber)
				f.set(p+".virtualDev", scsiVirtualDev(d))
				f.set(p+".present", "TRUE")
			}
		}
	}
	for _, d := range devs {
		x, ok := d.(*types.VirtualDisk)
		if !ok || !scsi {
			continue
		}
		b, ok := bus[x.ControllerKey]
		if !ok || x.UnitNumber == nil {
			continue
		}
		fb, ok := x.Backing.(types.BaseVirtualDeviceFileBackingInfo)
		if !ok {
			continue
		}
		p := fmt.Sprintf("scsi%d:%d", b, *x.UnitNumber)
		f.set(p+".deviceType", "scsi-hardDisk")
		f.set(p+".fileName", s.vmxFileName(vmxReal, fb.GetVirtualDeviceFileBackingInfo().FileName))
		if fb, ok := x.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && fb.DiskMode != "" && fb.DiskMode != "persistent" {
			f.set(p+".mode", fb.DiskMode)
		}
		f.set(p+".present", "TRUE")
	}
	// NICs keep their ethernetN index (matched by MAC); new ones get the lowest free index
	var cards []types.BaseVirtualEthernetCard
	for _, d := range devs {
		if c, ok := d.(types.BaseVirtualEthernetCard); ok {
			cards = append(cards, c)
		}
	}
	if nics {
		byMAC := map[string]int{}
		for i := 0; i < 10; i++ {
			p := fmt.Sprintf("ethernet%d", i)
			if !f.has(p+".present") && !f.has(p+".virtualDev") {
				continue
			}
			mac := strings.ToLower(f.get(p + ".address"))
			if mac == "" {
				mac = strings.ToLower(f.get(p + ".generatedAddress"))
			}
			byMAC[mac] = i
		}
		want := map[string]bool{}
		for _, c := range cards {
			want[strings.ToLower(c.GetVirtualEthernetCard().MacAddress)] = true
		}
		used := map[int]bool{}
		for mac, i := range byMAC {
			if want[mac] && mac != "" {
				used[i] = true
			} else {
				f.del(regexp.MustCompile(fmt.Sprintf(`^ethernet%d\.`, i)))
			}
		}
		for _, card := range cards {
			c := card.GetVirtualEthernetCard()
			idx, ok := byMAC[strings.ToLower(c.MacAddress)]
			if !ok || c.MacAddress == "" {
				for idx = 0; used[idx]; idx++ {
				}
			}
			used[idx] = true
			p := fmt.Sprintf("ethernet%d", idx)
			f.del(regexp.MustCompile(fmt.Sprintf(`^ethernet%d\.`, idx)))
			f.set(p+".virtualDev", nicVirtualDev(card.(types.BaseVirtualDevice)))
			if nb, ok := c.Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok {
				f.set(p+".networkName", nb.DeviceName)
			}
			if strings.EqualFold(c.AddressType, "manual") {
				f.set(p+".addressType", "static")
				f.set(p+".address", c.MacAddress)
			} else {
				f.set(p+".addressType", "generated")
				f.set(p+".generatedAddress", c.MacAddress)
			}
			f.set(p+".present", "TRUE")
		}
	}
}

// generateVMX writes a complete, realistic .vmx for a model VM.
func (s *Sim) generateVMX(vm *simulator.VirtualMachine) error {
	real, _ := s.vmPaths(vm)
	if real == "" {
		return fmt.Errorf("no vmx path")
	}
	name := vm.Name
	f := &vmxFile{}
	f.set(".encoding", "UTF-8")
	f.set("config.version", "8")
	f.set("virtualHW.version", strings.TrimPrefix(vm.Config.Version, "vmx-"))
	if f.get("virtualHW.version") == "" {
		f.set("virtualHW.version", "13")
	}
	f.set("nvram", name+".nvram")
	f.set("pciBridge0.present", "TRUE")
	f.set("svga.present", "TRUE")
	f.set("pciBridge4.present", "TRUE")
	f.set("pciBridge4.virtualDev", "pcieRootPort")
	f.set("pciBridge4.functions", "8")
	f.set("vmci0.present", "TRUE")
	f.set("hpet0.present", "TRUE")
	f.set("floppy0.present", "FALSE")
	f.set("displayName", name)
	f.set("memSize", fmt.Sprint(vm.Config.Hardware.MemoryMB))
	f.set("numvcpus", fmt.Sprint(vm.Config.Hardware.NumCPU))
	f.set("guestOS", guestToVMX(vm.Config.GuestId))
	f.set("uuid.bios", uuidToBios(vm.Config.Uuid))
	f.set("vc.uuid", uuidToBios(vm.Config.InstanceUuid))
	f.set("tools.syncTime", "FALSE")
	if vm.Config.Annotation != "" {
		f.set("annotation", vm.Config.Annotation)
	}
	s.deviceVMX(f, vm, real, true, true)
	return writeFileAtomic(real, []byte(f.String()))
}

// patchVMX updates an existing .vmx after ReconfigVM/Rename.
func (s *Sim) patchVMX(vm *simulator.VirtualMachine, spec *types.VirtualMachineConfigSpec, rename string) error {
	real, _ := s.vmPaths(vm)
	f, err := readVMXFile(real)
	if err != nil {
		return err
	}
	if rename != "" {
		f.set("displayName", rename)
	}
	if spec != nil {
		if spec.Name != "" {
			f.set("displayName", spec.Name)
		}
		if spec.MemoryMB != 0 {
			f.set("memSize", fmt.Sprint(spec.MemoryMB))
		}
		if spec.NumCPUs != 0 {
			f.set("numvcpus", fmt.Sprint(spec.NumCPUs))
		}
		if spec.NumCoresPerSocket != 0 {
			f.set("cpuid.coresPerSocket", fmt.Sprint(spec.NumCoresPerSocket))
		}
		if spec.GuestId != "" {
			f.set("guestOS", guestToVMX(spec.GuestId))
		}
		if spec.Annotation != "" {
			f.set("annotation", spec.Annotation)
		}
		if a := spec.MemoryAllocation; a != nil && a.Reservation != nil {
			f.set("sched.mem.min", fmt.Sprint(*a.Reservation))
		}
		scsi, nics := false, false
		for _, dc := range spec.DeviceChange {
			switch dc.GetVirtualDeviceConfigSpec().Device.(type) {
			case types.BaseVirtualEthernetCard:
				nics = true
			case *types.VirtualDisk, types.BaseVirtualSCSIController:
				scsi = true
			}
		}
		if scsi {
			f.del(reScsiKeys)
		}
		if scsi || nics {
			s.deviceVMX(f, vm, real, scsi, nics)
		}
		for _, o := range spec.ExtraConfig {
			ov := o.GetOptionValue()
			v := fmt.Sprint(ov.Value)
			if ov.Value == nil || v == "" {
				f.del(regexp.MustCompile("^" + regexp.QuoteMeta(strings.ToLower(ov.Key)) + "$"))
			} else {
				f.set(ov.Key, v)
			}
		}
	}
	return writeFileAtomic(real, []byte(f.String()))
}

var reDiskKey = regexp.MustCompile(`^(scsi|ide|sata|nvme)([0-9]+):([0-9]+)\.filename$`)

type vmxDisk struct {
	bus        string
	ctrl, unit int32
	file       string // as in the .vmx
	dsPath     string
	real       string
	cdrom      bool
}

// vmxDisks lists present disks (and cdroms) of a .vmx.
func (s *Sim) vmxDisks(f *vmxFile, vmxReal string) []vmxDisk {
	var out []vmxDisk
	for _, e := range f.entries {
		m := reDiskKey.FindStringSubmatch(strings.ToLower(e.key))
		if m == nil {
			continue
		}
		p := fmt.Sprintf("%s%s:%s", m[1], m[2], m[3])
		if strings.EqualFold(f.get(p+".present"), "FALSE") {
			continue
		}
		dt := strings.ToLower(f.get(p + ".deviceType"))
		c, _ := strconv.Atoi(m[2])
		u, _ := strconv.Atoi(m[3])
		d := vmxDisk{bus: m[1], ctrl: int32(c), unit: int32(u), file: e.val,
			cdrom: strings.Contains(dt, "cdrom") || strings.HasSuffix(strings.ToLower(e.val), ".iso")}
		if strings.HasPrefix(d.file, "/") {
			if r, ok := s.vmfsToReal(d.file); ok {
				d.real = r
			}
		} else if d.file != "" {
			d.real = filepath.Join(filepath.Dir(vmxReal), d.file)
		}
		if d.real != "" {
			d.dsPath = s.realToDsPath(d.real)
		} else {
			d.dsPath = d.file
		}
		out = append(out, d)
	}
	return out
}

// missingDisk returns the datastore path of the first missing disk file.
func (s *Sim) missingDisk(vm *simulator.VirtualMachine) string {
	real, _ := s.vmPaths(vm)
	f, err := readVMXFile(real)
	if err != nil {
		return ""
	}
	for _, d := range s.vmxDisks(f, real) {
		if d.cdrom || d.real == "" {
			continue
		}
		if _, err := os.Stat(d.real); err != nil {
			return d.dsPath
		}
		if info, err := readVMDK(d.real); err == nil {
			for _, ext := range info.extents {
				if _, err := os.Stat(ext); err != nil {
					return s.realToDsPath(ext)
				}
			}
		}
	}
	return ""
}

// applyVMX sets the model VM from its .vmx (RegisterVM, Reload).
func (s *Sim) applyVMX(vm *simulator.VirtualMachine) error {
	real, _ := s.vmPaths(vm)
	f, err := readVMXFile(real)
	if err != nil {
		return err
	}
	if n := f.get("displayName"); n != "" {
		vm.Name = n
		vm.Config.Name = n
		vm.Summary.Config.Name = n
	}
	if v, err := strconv.Atoi(f.get("memsize")); err == nil && v > 0 {
		vm.Config.Hardware.MemoryMB = int32(v)
		vm.Summary.Config.MemorySizeMB = int32(v)
	}
	if v, err := strconv.Atoi(f.get("numvcpus")); err == nil && v > 0 {
		vm.Config.Hardware.NumCPU = int32(v)
		vm.Summary.Config.NumCpu = int32(v)
	} else if !f.has("numvcpus") {
		vm.Config.Hardware.NumCPU = 1
		vm.Summary.Config.NumCpu = 1
	}
	if v, err := strconv.Atoi(f.get("cpuid.coresPerSocket")); err == nil && v > 0 {
		vm.Config.Hardware.NumCoresPerSocket = int32(v)
	}
	if g := f.get("guestOS"); g != "" {
		id := guestFromVMX(g)
		vm.Config.GuestId = id
		vm.Config.GuestFullName = guestFullName(id)
		vm.Summary.Config.GuestId = id
		vm.Summary.Config.GuestFullName = vm.Config.GuestFullName
		if vm.Summary.Guest != nil {
			vm.Summary.Guest.GuestId = id
		}
	}
	if u := biosToUUID(f.get("uuid.bios")); u != "" {
		vm.Config.Uuid = u
		vm.Summary.Config.Uuid = u
	}
	vm.Config.Annotation = f.get("annotation")
	vm.Summary.Config.Annotation = vm.Config.Annotation
	if v := f.get("virtualHW.version"); v != "" {
		vm.Config.Version = "vmx-" + v
	}

	// devices: keep the base devices, rebuild controllers/disks/NICs
	var devs []types.BaseVirtualDevice
	for _, d := range vm.Config.Hardware.Device {
		switch d.(type) {
		case types.BaseVirtualSCSIController, *types.VirtualDisk, types.BaseVirtualEthernetCard, *types.VirtualCdrom:
			continue
		}
		devs = append(devs, d)
	}
	ideKey := map[int32]int32{}
	for _, d := range devs {
		if c, ok := d.(*types.VirtualIDEController); ok {
			ideKey[c.BusNumber] = c.Key
		}
	}
	disks := s.vmxDisks(f, real)
	ctrlKey := map[int32]int32{}
	for i := int32(0); i < 4; i++ {
		p := fmt.Sprintf("scsi%d", i)
		if !strings.EqualFold(f.get(p+".present"), "TRUE") {
			continue
		}
		key := 1000 + i
		ctrlKey[i] = key
		vc := types.VirtualSCSIController{VirtualController: types.VirtualController{
			VirtualDevice: types.VirtualDevice{Key: key, DeviceInfo: &types.Description{Label: fmt.Sprintf("SCSI controller %d", i), Summary: "LSI Logic"},
				ControllerKey: 100, UnitNumber: types.NewInt32(3 + i)},
			BusNumber: i}, SharedBus: "noSharing", ScsiCtlrUnitNumber: 7}
		var c types.BaseVirtualDevice
		switch strings.ToLower(f.get(p + ".virtualDev")) {
		case "pvscsi":
			c = &types.ParaVirtualSCSIController{VirtualSCSIController: vc}
		case "lsisas1068":
			c = &types.VirtualLsiLogicSASController{VirtualSCSIController: vc}
		case "buslogic":
			c = &types.VirtualBusLogicController{VirtualSCSIController: vc}
		default:
			c = &types.VirtualLsiLogicController{VirtualSCSIController: vc}
		}
		for _, d := range disks {
			if d.bus == "scsi" && d.ctrl == i {
				vc.Device = append(vc.Device, 2000+i*16+d.unit)
			}
		}
		c.(types.BaseVirtualSCSIController).GetVirtualSCSIController().Device = vc.Device
		devs = append(devs, c)
	}
	nDisks := int32(0)
	var dsRefs []types.ManagedObjectReference
	for i, d := range disks {
		var ck, key int32
		switch d.bus {
		case "scsi":
			k, ok := ctrlKey[d.ctrl]
			if !ok {
				continue
			}
			ck, key = k, 2000+d.ctrl*16+d.unit
		case "ide":
			k, ok := ideKey[d.ctrl]
			if !ok {
				continue
			}
			ck, key = k, 3000+d.ctrl*2+d.unit
		default:
			continue
		}
		var dsRef *types.ManagedObjectReference
		if d.real != "" {
			for _, x := range s.datastores {
				if strings.HasPrefix(d.real, x.dir+"/") {
					r := x.ref
					dsRef = &r
					dsRefs = append(dsRefs, r)
				}
			}
		}
		base := types.VirtualDevice{Key: key, ControllerKey: ck, UnitNumber: types.NewInt32(d.unit)}
		if d.cdrom {
			base.Key = 3000 + int32(i) + 100
			base.DeviceInfo = &types.Description{Label: "CD/DVD drive", Summary: "ISO " + d.dsPath}
			base.Backing = &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: d.dsPath, Datastore: dsRef}}
			base.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, Connected: true, Status: "ok"}
			devs = append(devs, &types.VirtualCdrom{VirtualDevice: base})
			continue
		}
		var capKB int64
		thin := false
		uuid := ""
		if info, err := readVMDK(d.real); err == nil {
			capKB = info.capacity / 1024
			thin = info.thin
			uuid = strings.ToUpper(biosToUUID(info.uuid))
		}
		mode := f.get(fmt.Sprintf("%s%d:%d.mode", d.bus, d.ctrl, d.unit))
		if mode == "" {
			mode = "persistent"
		}
		nDisks++
		base.DeviceInfo = &types.Description{Label: fmt.Sprintf("Hard disk %d", nDisks), Summary: fmt.Sprintf("%d KB", capKB)}
		base.Backing = &types.VirtualDiskFlatVer2BackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: d.dsPath, Datastore: dsRef},
			DiskMode:                     mode, ThinProvisioned: types.NewBool(thin), Split: types.NewBool(false),
			WriteThrough: types.NewBool(false), EagerlyScrub: types.NewBool(false), Uuid: uuid,
			DigestEnabled: types.NewBool(false), ContentId: "",
		}
		devs = append(devs, &types.VirtualDisk{VirtualDevice: base, CapacityInKB: capKB, CapacityInBytes: capKB * 1024})
	}
	// NICs
	dc, _ := simulator.Map.Get(s.dcRef).(*simulator.Datacenter)
	var nets []types.ManagedObjectReference
	nNics := int32(0)
	for i := int32(0); i < 10; i++ {
		p := fmt.Sprintf("ethernet%d", i)
		if !strings.EqualFold(f.get(p+".present"), "TRUE") {
			continue
		}
		netName := f.get(p + ".networkName")
		backing := &types.VirtualEthernetCardNetworkBackingInfo{VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: netName}}
		if dc != nil {
			if e := simulator.Map.FindByName(netName, dc.Network); e != nil {
				r := e.Reference()
				backing.Network = &r
				nets = append(nets, r)
			}
		}
		mac := f.get(p + ".generatedAddress")
		at := "generated"
		switch strings.ToLower(f.get(p + ".addressType")) {
		case "static":
			mac, at = f.get(p+".address"), "manual"
		case "vpx":
			mac, at = f.get(p+".generatedAddress"), "assigned"
		}
		if mac == "" {
			mac = f.get(p + ".address")
		}
		card := types.VirtualEthernetCard{VirtualDevice: types.VirtualDevice{
			Key: 4000 + i, ControllerKey: 100, UnitNumber: types.NewInt32(7 + i),
			DeviceInfo:  &types.Description{Label: fmt.Sprintf("Network adapter %d", nNics+1), Summary: netName},
			Backing:     backing,
			Connectable: &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: vm.Runtime.PowerState == "poweredOn", Status: "ok"},
		}, AddressType: at, MacAddress: strings.ToLower(mac), WakeOnLanEnabled: types.NewBool(true)}
		nNics++
		var nic types.BaseVirtualDevice
		switch strings.ToLower(f.get(p + ".virtualDev")) {
		case "e1000e":
			nic = &types.VirtualE1000e{VirtualEthernetCard: card}
		case "vmxnet3":
			nic = &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}}
		case "vmxnet2", "vmxnet":
			nic = &types.VirtualVmxnet2{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}}
		case "vlance", "":
			if f.get(p+".virtualDev") == "" {
				nic = &types.VirtualPCNet32{VirtualEthernetCard: card}
			} else {
				nic = &types.VirtualPCNet32{VirtualEthernetCard: card}
			}
		default:
			nic = &types.VirtualE1000{VirtualEthernetCard: card}
		}
		devs = append(devs, nic)
	}
	vm.Config.Hardware.Device = devs
	vm.Summary.Config.NumVirtualDisks = nDisks
	vm.Summary.Config.NumEthernetCards = nNics
	vm.Network = nets
	for _, r := range dsRefs {
		if simulator.FindReference(vm.Datastore, r) == nil {
			vm.Datastore = append(vm.Datastore, r)
			if ds, ok := simulator.Map.Get(r).(*simulator.Datastore); ok && simulator.FindReference(ds.Vm, vm.Self) == nil {
				ds.Vm = append(ds.Vm, vm.Self)
			}
		}
	}
	s.fixVM(vm)
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "config.hardware.device", Val: devs},
		{Name: "name", Val: vm.Name},
	})
	return nil
}

var skipExtraKeys = regexp.MustCompile(`^(\.encoding|config\.version|virtualhw\.version|displayname|memsize|numvcpus|guestos|uuid\.bios|uuid\.location|vc\.uuid|annotation|floppy[0-9]+\..*|(scsi|ide|sata|nvme)[0-9]+(:[0-9]+)?\.(present|virtualdev|filename|devicetype|mode|startconnected|shareddbus|sharedbus)|ethernet[0-9]+\.(present|virtualdev|networkname|addresstype|generatedaddress|address|connectiontype|startconnected|generatedaddressoffset|checkmacaddress))$`)

// fixVM makes vcsim's model look like ESX's: guest names, device labels and
// extraConfig read from the .vmx.
func (s *Sim) fixVM(vm *simulator.VirtualMachine) {
	if vm == nil || vm.Config == nil {
		return
	}
	if vm.Config.GuestFullName == "" || vm.Config.GuestFullName == vm.Config.GuestId {
		vm.Config.GuestFullName = guestFullName(vm.Config.GuestId)
	}
	vm.Summary.Config.GuestFullName = vm.Config.GuestFullName
	vm.Summary.Config.GuestId = vm.Config.GuestId
	nDisk, nNic, nCd := 0, 0, 0
	for _, d := range vm.Config.Hardware.Device {
		vd := d.GetVirtualDevice()
		if vd.DeviceInfo == nil {
			vd.DeviceInfo = &types.Description{}
		}
		desc := vd.DeviceInfo.GetDescription()
		switch x := d.(type) {
		case types.BaseVirtualSCSIController:
			desc.Label = fmt.Sprintf("SCSI controller %d", x.GetVirtualSCSIController().BusNumber)
			switch d.(type) {
			case *types.ParaVirtualSCSIController:
				desc.Summary = "VMware paravirtual SCSI"
			case *types.VirtualLsiLogicSASController:
				desc.Summary = "LSI Logic SAS"
			case *types.VirtualBusLogicController:
				desc.Summary = "BusLogic"
			default:
				desc.Summary = "LSI Logic"
			}
		case *types.VirtualDisk:
			nDisk++
			desc.Label = fmt.Sprintf("Hard disk %d", nDisk)
			desc.Summary = fmt.Sprintf("%s KB", commas(x.CapacityInKB))
		case types.BaseVirtualEthernetCard:
			nNic++
			desc.Label = fmt.Sprintf("Network adapter %d", nNic)
		case *types.VirtualCdrom:
			nCd++
			desc.Label = fmt.Sprintf("CD/DVD drive %d", nCd)
		}
	}
	real, _ := s.vmPaths(vm)
	if f, err := readVMXFile(real); err == nil {
		var extra []types.BaseOptionValue
		for _, e := range f.entries {
			if skipExtraKeys.MatchString(strings.ToLower(e.key)) {
				continue
			}
			extra = append(extra, &types.OptionValue{Key: e.key, Value: e.val})
		}
		vm.Config.ExtraConfig = extra
	}
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), ",")
}
