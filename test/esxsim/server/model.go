package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type datastore struct {
	name string
	uuid string
	dir  string // real path ROOT/vmfs/volumes/<uuid>
	ref  types.ManagedObjectReference
}

// Sim is the whole simulator: vcsim model + our middleware state.
type Sim struct {
	mode        string
	svc         *simulator.Service
	client      *vim25.Client // in-process client (bypasses the middleware)
	mux         sync.Mutex    // serializes SOAP calls (except WaitForUpdates*)
	dcName      string
	dcRef       types.ManagedObjectReference
	clusterName string
	hostNames   []string
	hosts       []types.ManagedObjectReference
	datastores  []*datastore

	stats    map[string]int
	statsMu  sync.Mutex
	logins   int
	logouts  int
	sessions map[string]time.Time // live session key -> last use
	faults   []*faultRule

	lastDsRefresh time.Time
	curBody       []byte // body of the SOAP call being handled (under mux)
	pages         map[string]*pageStash
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:8], b[8:10], b[10:12], b[12:16])
}

// vmfsUUID looks like an ESX VMFS volume uuid: 8-8-4-12 hex digits.
func vmfsUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x", b[0:4], b[4:8], b[8:10], b[10:16])
}

func buildModel(mode, password string) (*Sim, error) {
	ctx := context.Background()
	s := &Sim{mode: mode, stats: map[string]int{}, sessions: map[string]time.Time{}, pages: map[string]*pageStash{}}
	var m *simulator.Model
	if mode == "esx" {
		m = simulator.ESX()
	} else {
		m = simulator.VPX()
		m.Host = 0
		m.Portgroup = 0
		m.ClusterHost = len(strings.Split(*flagHostNames, ","))
	}
	m.Datastore = 0
	m.Machine = 0
	m.Autostart = false
	if err := m.Create(); err != nil {
		return nil, err
	}
	s.svc = m.Service
	s.svc.RegisterSDK(simulator.Map)
	s.svc.Listen = &url.URL{User: url.UserPassword(*flagUser, password)}
	if password == "" {
		// vcsim accepts any non-empty login for an empty password; use an impossible one
		s.svc.Listen.User = url.UserPassword(*flagUser, "\x00no-password-configured\x00")
	}
	c, err := vim25.NewClient(ctx, s.svc)
	if err != nil {
		return nil, err
	}
	s.client = c

	dcs := simulator.Map.All("Datacenter")
	if len(dcs) != 1 {
		return nil, fmt.Errorf("expected one datacenter, got %d", len(dcs))
	}
	dc := dcs[0].(*simulator.Datacenter)
	s.dcName = dc.Name
	s.dcRef = dc.Self

	// hosts, sorted by moref so names are stable
	var hosts []*simulator.HostSystem
	for _, e := range simulator.Map.All("HostSystem") {
		hosts = append(hosts, e.(*simulator.HostSystem))
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].Self.Value < hosts[j].Self.Value })
	var names []string
	if mode == "esx" {
		names = []string{*flagHostname}
	} else {
		names = strings.Split(*flagHostNames, ",")
		for _, e := range simulator.Map.All("ClusterComputeResource") {
			s.clusterName = e.(*simulator.ClusterComputeResource).Name
		}
	}
	if len(hosts) != len(names) {
		return nil, fmt.Errorf("expected %d hosts, got %d", len(names), len(hosts))
	}
	ips := strings.Split(*flagHostIPs, ",")
	for i, h := range hosts {
		setupHost(h, names[i], mode == "esx", i)
		ip := ""
		if i < len(ips) {
			ip = strings.TrimSpace(ips[i])
		}
		if ip == "" {
			if host, _, err := net.SplitHostPort(*flagListen); err == nil && host != "" && host != "0.0.0.0" {
				ip = host
			}
		}
		if ip != "" && h.Config != nil && h.Config.Network != nil && len(h.Config.Network.Vnic) > 0 && h.Config.Network.Vnic[0].Spec.Ip != nil {
			h.Config.Network.Vnic[0].Spec.Ip.IpAddress = ip
		}
		s.hosts = append(s.hosts, h.Self)
		s.hostNames = append(s.hostNames, names[i])
	}

	s.sizeHosts(hosts)

	// datastores
	for _, name := range strings.Split(*flagDatastore, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if err := s.addDatastore(ctx, name, hosts); err != nil {
			return nil, fmt.Errorf("datastore %s: %v", name, err)
		}
	}
	s.refreshDatastores(true)

	t0 := time.Now()
	existing := s.registerExisting(ctx)
	if len(existing) > 0 {
		log.Printf("re-registered %d VMs found in the datastores", len(existing))
	}
	if err := s.createWildVMs(ctx, *flagVMs, existing); err != nil {
		return nil, fmt.Errorf("wild VMs: %v", err)
	}
	if *flagVerbose {
		log.Printf("created %d wild VMs in %v", *flagVMs, time.Since(t0))
	}
	s.refreshDatastores(true)
	s.refreshStats()
	return s, nil
}

func setupHost(h *simulator.HostSystem, name string, esx bool, idx int) {
	h.Name = name
	h.Summary.Config.Name = name
	if cr, ok := simulator.Map.Get(*h.Parent).(*mo.ComputeResource); ok && esx {
		cr.Name = name
	}
	if h.Config != nil && h.Config.Network != nil && h.Config.Network.DnsConfig != nil {
		if d, ok := h.Config.Network.DnsConfig.(*types.HostDnsConfig); ok {
			parts := strings.SplitN(name, ".", 2)
			d.HostName = parts[0]
			d.DomainName = ""
			if len(parts) > 1 {
				d.DomainName = parts[1]
			}
		}
	}
	h.Capability = &types.HostCapability{
		RecursiveResourcePoolsSupported:         true,
		CpuMemoryResourceConfigurationSupported: true,
		RebootSupported:                         true,
		ShutdownSupported:                       true,
		VmotionSupported:                        true,
		StandbySupported:                        true,
		DatastorePrincipalSupported:             true,
		RestrictedSnapshotRelocateSupported:     true,
		PerVmSwapFiles:                          true,
		LocalSwapDatastoreSupported:             true,
		UnsharedSwapVMotionSupported:            true,
		BackgroundSnapshotsSupported:            true,
		PreAssignedPCIUnitNumbersSupported:      true,
		ScreenshotSupported:                     true,
		ScaledScreenshotSupported:               true,
		StorageVMotionSupported:                 types.NewBool(true),
		VmfsDatastoreMountCapable:               types.NewBool(true),
		NfsSupported:                            true,
		IscsiSupported:                          true,
		VlanTaggingSupported:                    true,
		NicTeamingSupported:                     true,
		HighGuestMemSupported:                   true,
		MaintenanceModeSupported:                true,
		SuspendedRelocateSupported:              true,
		VirtualExecUsageSupported:               types.NewBool(true),
		SupportedVmfsMajorVersion:               []int32{5, 6},
		MaxSupportedVcpus:                       128,
		MaxRunningVMs:                           1024,
		MaxRegisteredVMs:                        2048,
		MaxSupportedVMs:                         1024,
		MaxVcpusPerFtVm:                         4,
		MaxNumDisksSVMotion:                     64,
		SnapshotRelayoutSupported:               types.NewBool(true),
		FtSupported:                             types.NewBool(false),
	}
	// per-host autostart manager
	ref := types.ManagedObjectReference{Type: "HostAutoStartManager", Value: "ha-autostart-mgr"}
	if !esx {
		ref.Value = "autostart-" + h.Self.Value
	}
	asm := &mo.HostAutoStartManager{Self: ref}
	asm.Config = types.HostAutoStartManagerConfig{Defaults: &types.AutoStartDefaults{
		Enabled: types.NewBool(false), StartDelay: 120, StopDelay: 120,
		WaitForHeartbeat: types.NewBool(false), StopAction: "PowerOff",
	}}
	simulator.Map.Put(asm)
	h.ConfigManager.AutoStartManager = &ref
	// realistic quick stats (updated in refreshStats)
	h.Summary.QuickStats.Uptime = 86400 + int32(idx)*3600
}

// sizeHosts gives the hosts -host-cpus cores and -host-memory-mb memory
// (vcsim's template has 2 cores and 4 GiB) and fixes the compute resource totals.
func (s *Sim) sizeHosts(hosts []*simulator.HostSystem) {
	cores := int16(*flagHostCPUs)
	if cores < 1 {
		cores = 1
	}
	pkgs := int16(1)
	if cores >= 4 && cores%2 == 0 {
		pkgs = 2
	}
	mem := *flagHostMemMB * 1024 * 1024
	parents := map[types.ManagedObjectReference]bool{}
	for _, h := range hosts {
		hw := h.Summary.Hardware
		hw.NumCpuPkgs, hw.NumCpuCores, hw.NumCpuThreads, hw.MemorySize = pkgs, cores, cores, mem
		if h.Hardware != nil {
			h.Hardware.CpuInfo.NumCpuPackages = pkgs
			h.Hardware.CpuInfo.NumCpuCores = cores
			h.Hardware.CpuInfo.NumCpuThreads = cores
			h.Hardware.MemorySize = mem
		}
		if h.Parent != nil {
			parents[*h.Parent] = true
		}
	}
	for p := range parents {
		var sum *types.ComputeResourceSummary
		var members []types.ManagedObjectReference
		switch cr := simulator.Map.Get(p).(type) {
		case *mo.ComputeResource:
			if cr.Summary != nil {
				sum = cr.Summary.GetComputeResourceSummary()
			}
			members = cr.Host
		case *simulator.ClusterComputeResource:
			if cr.Summary != nil {
				sum = cr.Summary.GetComputeResourceSummary()
			}
			members = cr.Host
		}
		if sum == nil {
			continue
		}
		sum.TotalCpu, sum.TotalMemory, sum.NumCpuCores, sum.NumCpuThreads, sum.EffectiveCpu, sum.EffectiveMemory = 0, 0, 0, 0, 0, 0
		for _, m := range members {
			h := hostObj(m)
			if h == nil {
				continue
			}
			hw := h.Summary.Hardware
			sum.TotalCpu += hw.CpuMhz * int32(hw.NumCpuCores)
			sum.TotalMemory += hw.MemorySize
			sum.NumCpuCores += hw.NumCpuCores
			sum.NumCpuThreads += hw.NumCpuThreads
			sum.EffectiveCpu += hw.CpuMhz * int32(hw.NumCpuCores)
			sum.EffectiveMemory += hw.MemorySize / (1024 * 1024)
		}
	}
}

func (s *Sim) addDatastore(ctx context.Context, name string, hosts []*simulator.HostSystem) error {
	id := vmfsUUID()
	base := filepath.Join(rootDir, "vmfs", "volumes")
	dir := filepath.Join(base, id)
	// reuse an existing datastore directory of that name (restart on kept state)
	if target, err := os.Readlink(filepath.Join(base, name)); err == nil && !strings.Contains(target, "/") {
		if fi, err := os.Stat(filepath.Join(base, target)); err == nil && fi.IsDir() {
			id = target
			dir = filepath.Join(base, id)
		}
	}
	if err := os.MkdirAll(dir, 0755); err != nil {
		return err
	}
	link := filepath.Join(base, name)
	if _, err := os.Lstat(link); err != nil {
		if err := os.Symlink(id, link); err != nil {
			return err
		}
	}
	var dsObj *simulator.Datastore
	for i, h := range hosts {
		if i == 0 {
			res, err := methods.CreateLocalDatastore(ctx, s.client, &types.CreateLocalDatastore{
				This: *h.ConfigManager.DatastoreSystem, Name: name, Path: dir,
			})
			if err != nil {
				return err
			}
			dsObj = simulator.Map.Get(res.Returnval).(*simulator.Datastore)
			continue
		}
		// shared datastore: mount the same object on the other hosts
		dss := simulator.Map.Get(*h.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem)
		dss.Datastore = append(dss.Datastore, dsObj.Self)
		h.Datastore = append(h.Datastore, dsObj.Self)
		dsObj.Host = append(dsObj.Host, types.DatastoreHostMount{Key: h.Self, MountInfo: types.HostMountInfo{
			AccessMode: "readWrite", Mounted: types.NewBool(true), Accessible: types.NewBool(true),
		}})
		if b, ok := simulator.Map.Get(dsObj.Browser).(*simulator.HostDatastoreBrowser); ok {
			b.Datastore = append(b.Datastore, dsObj.Self)
		}
	}
	for i := range dsObj.Host {
		dsObj.Host[i].MountInfo.Path = dir
	}
	capBytes := *flagCapMB * 1024 * 1024
	now := time.Now()
	dsObj.Info = &types.VmfsDatastoreInfo{
		DatastoreInfo: types.DatastoreInfo{
			Name: name, Url: dir, FreeSpace: capBytes, MaxFileSize: 62 * 1024 * 1024 * 1024 * 1024,
			MaxVirtualDiskCapacity: 62 * 1024 * 1024 * 1024 * 1024, MaxMemoryFileSize: 62 * 1024 * 1024 * 1024 * 1024,
			Timestamp: &now, ContainerId: id,
		},
		MaxPhysicalRDMFileSize: 62 * 1024 * 1024 * 1024 * 1024,
		MaxVirtualRDMFileSize:  62 * 1024 * 1024 * 1024 * 1024,
		Vmfs: &types.HostVmfsVolume{
			HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: name, Capacity: capBytes},
			BlockSizeMb:          1, BlockSize: 1024, UnmapGranularity: 1024, UnmapPriority: "low",
			MaxBlocks: 63963136, MajorVersion: 6, Version: "6.81", Uuid: id,
			Extent:         []types.HostScsiDiskPartition{{DiskName: "mpx.vmhba0:C0:T" + fmt.Sprint(len(s.datastores)+1) + ":L0", Partition: 1}},
			VmfsUpgradable: false, Ssd: types.NewBool(false), Local: types.NewBool(true),
		},
	}
	dsObj.Summary.Type = "VMFS"
	dsObj.Summary.Url = dir
	dsObj.Summary.Capacity = capBytes
	dsObj.Summary.FreeSpace = capBytes
	dsObj.Summary.MultipleHostAccess = types.NewBool(len(hosts) > 1)
	s.datastores = append(s.datastores, &datastore{name: name, uuid: id, dir: dir, ref: dsObj.Self})
	return nil
}

// duBytes returns the bytes allocated below dir.
func duBytes(dir string) int64 {
	var total int64
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		total += allocatedBytes(fi)
		return nil
	})
	return total
}

func (s *Sim) refreshDatastores(force bool) {
	if !force && time.Since(s.lastDsRefresh) < 100*time.Millisecond {
		return
	}
	s.lastDsRefresh = time.Now()
	capBytes := *flagCapMB * 1024 * 1024
	for _, d := range s.datastores {
		ds, ok := simulator.Map.Get(d.ref).(*simulator.Datastore)
		if !ok {
			continue
		}
		free := capBytes - duBytes(d.dir)
		if free < 0 {
			free = 0
		}
		ds.Summary.Capacity = capBytes
		ds.Summary.FreeSpace = free
		ds.Summary.Uncommitted = 0
		ds.Summary.Accessible = true
		info := ds.Info.GetDatastoreInfo()
		info.FreeSpace = free
		now := time.Now()
		info.Timestamp = &now
	}
}

func (s *Sim) dsByName(name string) *datastore {
	for _, d := range s.datastores {
		if d.name == name {
			return d
		}
	}
	return nil
}

func (s *Sim) dsByUUIDOrName(x string) *datastore {
	for _, d := range s.datastores {
		if d.uuid == x || d.name == x {
			return d
		}
	}
	return nil
}

// dsPathToReal maps "[ds] a/b" to ROOT/vmfs/volumes/<uuid>/a/b.
func (s *Sim) dsPathToReal(p string) (string, *datastore, bool) {
	var dp object.DatastorePath
	if !dp.FromString(p) {
		return "", nil, false
	}
	d := s.dsByName(dp.Datastore)
	if d == nil {
		return "", nil, false
	}
	return filepath.Join(d.dir, dp.Path), d, true
}

// realToDsPath maps a real path under a datastore to "[ds] rel".
func (s *Sim) realToDsPath(real string) string {
	for _, d := range s.datastores {
		if real == d.dir {
			return "[" + d.name + "]"
		}
		if strings.HasPrefix(real, d.dir+"/") {
			return "[" + d.name + "] " + strings.TrimPrefix(real, d.dir+"/")
		}
	}
	return real
}

// vmfsToReal maps "/vmfs/volumes/<uuid|name>/x" (as seen on the host) to the real path.
func (s *Sim) vmfsToReal(p string) (string, bool) {
	if !strings.HasPrefix(p, "/vmfs/volumes/") {
		return "", false
	}
	rest := strings.TrimPrefix(p, "/vmfs/volumes/")
	parts := strings.SplitN(rest, "/", 2)
	d := s.dsByUUIDOrName(parts[0])
	if d == nil {
		return "", false
	}
	if len(parts) == 1 {
		return d.dir, true
	}
	return filepath.Join(d.dir, parts[1]), true
}

// hostOf returns the host system object of a VM.
func hostObj(ref types.ManagedObjectReference) *simulator.HostSystem {
	h, _ := simulator.Map.Get(ref).(*simulator.HostSystem)
	return h
}

func (s *Sim) unsortedVMs() []*simulator.VirtualMachine {
	var out []*simulator.VirtualMachine
	for _, e := range simulator.Map.All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok {
			out = append(out, vm)
		}
	}
	return out
}

func (s *Sim) allVMs() []*simulator.VirtualMachine {
	out := s.unsortedVMs()
	nums := make(map[*simulator.VirtualMachine]int, len(out))
	for _, vm := range out {
		nums[vm] = vmNum(vm.Self.Value)
	}
	sort.Slice(out, func(i, j int) bool { return nums[out[i]] < nums[out[j]] })
	return out
}

func vmNum(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "vm-"))
	return n
}

// refreshStats sets realistic quickStats on VMs and hosts.
func (s *Sim) refreshStats() {
	hostCPU := map[types.ManagedObjectReference]int32{}
	hostMem := map[types.ManagedObjectReference]int32{}
	for _, vm := range s.unsortedVMs() {
		if vm.Config == nil {
			continue
		}
		qs := &vm.Summary.QuickStats
		memMB := vm.Config.Hardware.MemoryMB
		n := vmNum(vm.Self.Value)
		if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			qs.OverallCpuUsage = int32(20 + (n*37)%180*int(vm.Config.Hardware.NumCPU))
			qs.OverallCpuDemand = qs.OverallCpuUsage
			qs.GuestMemoryUsage = memMB * int32(10+(n*13)%60) / 100
			if qs.GuestMemoryUsage < 1 {
				qs.GuestMemoryUsage = 1
			}
			qs.HostMemoryUsage = memMB*int32(50+(n*7)%40)/100 + 20
			qs.ConsumedOverheadMemory = 20
			qs.PrivateMemory = qs.HostMemoryUsage - 20
			qs.SharedMemory = 0
			qs.GuestHeartbeatStatus = types.ManagedEntityStatusGreen
			qs.StaticCpuEntitlement = 2 * 2194
			qs.StaticMemoryEntitlement = memMB + 30
			if vm.Runtime.BootTime != nil {
				qs.UptimeSeconds = int32(time.Since(*vm.Runtime.BootTime).Seconds())
			}
			if vm.Runtime.Host != nil {
				hostCPU[*vm.Runtime.Host] += qs.OverallCpuUsage
				hostMem[*vm.Runtime.Host] += qs.HostMemoryUsage
			}
		} else {
			qs.OverallCpuUsage = 0
			qs.OverallCpuDemand = 0
			qs.GuestMemoryUsage = 0
			qs.HostMemoryUsage = 0
			qs.ConsumedOverheadMemory = 0
			qs.PrivateMemory = 0
			qs.StaticCpuEntitlement = 0
			qs.StaticMemoryEntitlement = 0
			qs.UptimeSeconds = 0
			qs.GuestHeartbeatStatus = types.ManagedEntityStatusGray
		}
		vm.Summary.Runtime.PowerState = vm.Runtime.PowerState
	}
	for _, ref := range s.hosts {
		h := hostObj(ref)
		if h == nil {
			continue
		}
		hw := h.Summary.Hardware
		maxCPU := hw.CpuMhz * int32(hw.NumCpuCores) * 95 / 100
		maxMem := int32(hw.MemorySize/(1024*1024)) * 95 / 100
		cpu, mem := 150+hostCPU[ref], 1200+hostMem[ref]
		if cpu > maxCPU {
			cpu = maxCPU
		}
		if mem > maxMem {
			mem = maxMem
		}
		h.Summary.QuickStats.OverallCpuUsage = cpu
		h.Summary.QuickStats.OverallMemoryUsage = mem
		h.Summary.QuickStats.DistributedCpuFairness = 0
		h.Summary.QuickStats.DistributedMemoryFairness = 0
	}
}
