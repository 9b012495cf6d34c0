package main

import (
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *Sim) searchDatastore(name string, m *simulator.Method) *reply {
	var dsPath string
	var spec *types.HostDatastoreBrowserSearchSpec
	recurse := name == "SearchDatastoreSubFolders_Task"
	switch r := m.Body.(type) {
	case *types.SearchDatastore_Task:
		dsPath, spec = r.DatastorePath, r.SearchSpec
	case *types.SearchDatastoreSubFolders_Task:
		dsPath, spec = r.DatastorePath, r.SearchSpec
	}
	if spec == nil {
		spec = &types.HostDatastoreBrowserSearchSpec{}
	}
	var dp object.DatastorePath
	if !dp.FromString(dsPath) {
		return failTask(m.This, name, &types.InvalidDatastorePath{DatastorePath: dsPath}, "Invalid datastore path '"+dsPath+"'.")
	}
	d := s.dsByName(dp.Datastore)
	if d == nil {
		return failTask(m.This, name, &types.InvalidDatastore{Name: dp.Datastore}, "Invalid datastore '"+dp.Datastore+"'.")
	}
	rel := strings.Trim(dp.Path, "/")
	dir := filepath.Join(d.dir, rel)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return failTask(m.This, name, &types.FileNotFound{FileFault: types.FileFault{File: dsPath}}, "File "+dsPath+" was not found")
	}
	patterns := spec.MatchPattern
	if len(patterns) == 0 {
		patterns = []string{"*"}
	}
	var results []types.HostDatastoreBrowserSearchResults
	var walk func(rel string)
	walk = func(rel string) {
		full := filepath.Join(d.dir, rel)
		entries, err := ioutil.ReadDir(full)
		if err != nil {
			return
		}
		folder := "[" + d.name + "]"
		if rel != "" {
			folder += " " + rel
		}
		res := types.HostDatastoreBrowserSearchResults{Datastore: &d.ref, FolderPath: folder}
		var subdirs []string
		for _, fi := range entries {
			n := fi.Name()
			if strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".esxsim-tmp") {
				continue
			}
			if fi.IsDir() {
				subdirs = append(subdirs, n)
			}
			if isExtent(n) && !literalMatch(patterns, n) {
				continue
			}
			matched := false
			for _, p := range patterns {
				if ok, _ := filepath.Match(p, n); ok {
					matched = true
					break
				}
			}
			if !matched {
				continue
			}
			if fi, ok := s.fileInfo(spec, full, fi); ok {
				res.File = append(res.File, fi)
			}
		}
		results = append(results, res)
		if recurse {
			sort.Strings(subdirs)
			for _, sd := range subdirs {
				if rel == "" {
					walk(sd)
				} else {
					walk(rel + "/" + sd)
				}
			}
		}
	}
	walk(rel)
	if !recurse && rel == "" {
		results[0].FolderPath = dsPath
	}
	ref := runTask(m.This, strings.TrimSuffix(lcFirst(name), "_Task"), func() (types.AnyType, types.BaseMethodFault, string) {
		if recurse {
			return types.ArrayOfHostDatastoreBrowserSearchResults{HostDatastoreBrowserSearchResults: results}, nil, ""
		}
		return results[0], nil, ""
	})
	return taskReply(name, ref)
}

func lcFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

var reExtentName = regexp.MustCompile(`-(flat|delta|sesparse|ctk|s[0-9]{3}|f[0-9]{3})\.vmdk$`)

func isExtent(n string) bool { return reExtentName.MatchString(n) }

func literalMatch(patterns []string, n string) bool {
	for _, p := range patterns {
		if p == n {
			return true
		}
	}
	return false
}

func (s *Sim) fileInfo(spec *types.HostDatastoreBrowserSearchSpec, dir string, fi os.FileInfo) (types.BaseFileInfo, bool) {
	n := fi.Name()
	ext := strings.ToLower(filepath.Ext(n))
	queries := spec.Query
	want := func(q interface{}) bool {
		for _, x := range queries {
			switch x.(type) {
			case *types.FileQuery:
				if _, ok := q.(*types.FileQuery); ok {
					return true
				}
			}
			if fmt.Sprintf("%T", x) == fmt.Sprintf("%T", q) {
				return true
			}
		}
		return false
	}
	kind := ""
	switch {
	case fi.IsDir():
		kind = "folder"
	case ext == ".vmdk":
		kind = "disk"
	case ext == ".vmx":
		kind = "config"
	case ext == ".log" && strings.HasPrefix(n, "vmware"):
		kind = "log"
	case ext == ".nvram":
		kind = "nvram"
	case ext == ".iso":
		kind = "iso"
	case ext == ".flp" || ext == ".img":
		kind = "floppy"
	case ext == ".vmsn":
		kind = "snapshot"
	}
	if len(queries) > 0 {
		ok := want(&types.FileQuery{})
		switch kind {
		case "folder":
			ok = ok || want(&types.FolderFileQuery{})
		case "disk":
			ok = ok || want(&types.VmDiskFileQuery{})
		case "config":
			ok = ok || want(&types.VmConfigFileQuery{})
		case "log":
			ok = ok || want(&types.VmLogFileQuery{})
		case "nvram":
			ok = ok || want(&types.VmNvramFileQuery{})
		case "iso":
			ok = ok || want(&types.IsoImageFileQuery{})
		case "floppy":
			ok = ok || want(&types.FloppyImageFileQuery{})
		case "snapshot":
			ok = ok || want(&types.VmSnapshotFileQuery{})
		}
		if !ok {
			return nil, false
		}
	}
	details := spec.Details
	if details == nil {
		details = &types.FileQueryFlags{}
	}
	base := types.FileInfo{Path: n}
	if details.FileSize || true {
		base.FileSize = fi.Size()
	}
	if details.Modification {
		t := fi.ModTime()
		base.Modification = &t
	}
	if details.FileOwner != nil && *details.FileOwner {
		base.Owner = "root"
	}
	switch kind {
	case "folder":
		base.FileSize = 0
		return &types.FolderFileInfo{FileInfo: base}, true
	case "disk":
		info, err := readVMDK(filepath.Join(dir, n))
		di := &types.VmDiskFileInfo{FileInfo: base}
		if err == nil {
			di.FileSize = info.allocated
			if di.FileSize <= 0 {
				di.FileSize = fi.Size()
			}
			di.CapacityKb = info.capacity / 1024
			di.DiskType = "VirtualDiskFlatVer2BackingInfo"
			di.Thin = types.NewBool(info.thin)
			di.HardwareVersion = 4
			adapter := "VirtualLsiLogicController"
			switch info.adapter {
			case "buslogic":
				adapter = "VirtualBusLogicController"
			case "ide":
				adapter = "VirtualIDEController"
			case "pvscsi":
				adapter = "ParaVirtualSCSIController"
			case "lsisas1068":
				adapter = "VirtualLsiLogicSASController"
			}
			di.ControllerType = adapter
			for _, e := range info.extents {
				di.DiskExtents = append(di.DiskExtents, s.realToDsPath(e))
			}
		}
		return di, true
	case "config":
		return &types.VmConfigFileInfo{FileInfo: base, ConfigVersion: 8}, true
	case "log":
		return &types.VmLogFileInfo{FileInfo: base}, true
	case "nvram":
		return &types.VmNvramFileInfo{FileInfo: base}, true
	case "iso":
		return &types.IsoImageFileInfo{FileInfo: base}, true
	case "floppy":
		return &types.FloppyImageFileInfo{FileInfo: base}, true
	case "snapshot":
		return &types.VmSnapshotFileInfo{FileInfo: base}, true
	}
	return &base, true
}

func (s *Sim) virtualDisk(name string, m *simulator.Method) *reply {
	notFound := func(p string) (types.AnyType, types.BaseMethodFault, string) {
		return nil, &types.FileNotFound{FileFault: types.FileFault{File: p}}, "File " + p + " was not found"
	}
	exists := func(p string) (types.AnyType, types.BaseMethodFault, string) {
		return nil, &types.FileAlreadyExists{FileFault: types.FileFault{File: p}},
			"Cannot complete the operation because the file or folder " + p + " already exists"
	}
	badPath := func(p string) (types.AnyType, types.BaseMethodFault, string) {
		return nil, &types.InvalidDatastorePath{DatastorePath: p}, "Invalid datastore path '" + p + "'."
	}
	task := func(fn func() (types.AnyType, types.BaseMethodFault, string)) *reply {
		return taskReply(name, runTask(m.This, lcFirst(strings.TrimSuffix(name, "_Task")), fn))
	}
	switch r := m.Body.(type) {
	case *types.CreateVirtualDisk_Task:
		return task(func() (types.AnyType, types.BaseMethodFault, string) {
			real, _, ok := s.dsPathToReal(r.Name)
			if !ok {
				return badPath(r.Name)
			}
			var capKB int64
			thin := false
			adapter := "lsilogic"
			if fs, ok := r.Spec.(*types.FileBackedVirtualDiskSpec); ok {
				capKB = fs.CapacityKb
				thin = fs.DiskType == "thin"
				switch strings.ToLower(fs.AdapterType) {
				case "buslogic":
					adapter = "buslogic"
				case "ide":
					adapter = "ide"
				}
			}
			if _, err := os.Stat(filepath.Dir(real)); err != nil {
				return notFound(s.realToDsPath(filepath.Dir(real)))
			}
			if err := createVMDK(real, capKB*1024, thin, adapter); err != nil {
				if os.IsExist(err) {
					return exists(r.Name)
				}
				return nil, &types.CannotCreateFile{FileFault: types.FileFault{File: r.Name}}, "Cannot create file " + r.Name
			}
			return r.Name, nil, ""
		})
	case *types.CopyVirtualDisk_Task:
		return task(func() (types.AnyType, types.BaseMethodFault, string) {
			src, _, ok := s.dsPathToReal(r.SourceName)
			if !ok {
				return badPath(r.SourceName)
			}
			dst, _, ok := s.dsPathToReal(r.DestName)
			if !ok {
				return badPath(r.DestName)
			}
			if _, err := os.Stat(src); err != nil {
				return notFound(r.SourceName)
			}
			if _, err := os.Stat(dst); err == nil {
				if r.Force != nil && *r.Force {
					_ = deleteVMDK(dst)
				} else {
					return exists(r.DestName)
				}
			}
			var thin *bool
			if ds, ok := r.DestSpec.(*types.FileBackedVirtualDiskSpec); ok && ds.DiskType != "" {
				thin = types.NewBool(ds.DiskType == "thin")
			} else if ds, ok := r.DestSpec.(*types.VirtualDiskSpec); ok && ds.DiskType != "" {
				thin = types.NewBool(ds.DiskType == "thin")
			}
			if err := copyVMDK(src, dst, thin); err != nil {
				return nil, &types.CannotCreateFile{FileFault: types.FileFault{File: r.DestName}}, "Cannot create file " + r.DestName
			}
			return r.DestName, nil, ""
		})
	case *types.MoveVirtualDisk_Task:
		return task(func() (types.AnyType, types.BaseMethodFault, string) {
			src, _, ok := s.dsPathToReal(r.SourceName)
			if !ok {
				return badPath(r.SourceName)
			}
			dst, _, ok := s.dsPathToReal(r.DestName)
			if !ok {
				return badPath(r.DestName)
			}
			if _, err := os.Stat(src); err != nil {
				return notFound(r.SourceName)
			}
			if _, err := os.Stat(dst); err == nil {
				if r.Force != nil && *r.Force {
					_ = deleteVMDK(dst)
				} else {
					return exists(r.DestName)
				}
			}
			if err := moveVMDK(src, dst); err != nil {
				return nil, &types.CannotCreateFile{FileFault: types.FileFault{File: r.DestName}}, "Cannot create file " + r.DestName
			}
			return r.DestName, nil, ""
		})
	case *types.DeleteVirtualDisk_Task:
		return task(func() (types.AnyType, types.BaseMethodFault, string) {
			p, _, ok := s.dsPathToReal(r.Name)
			if !ok {
				return badPath(r.Name)
			}
			if _, err := os.Stat(p); err != nil {
				return notFound(r.Name)
			}
			if err := deleteVMDK(p); err != nil {
				return nil, &types.CannotDeleteFile{FileFault: types.FileFault{File: r.Name}}, "Cannot delete file " + r.Name
			}
			return nil, nil, ""
		})
	case *types.ExtendVirtualDisk_Task:
		return task(func() (types.AnyType, types.BaseMethodFault, string) {
			p, _, ok := s.dsPathToReal(r.Name)
			if !ok {
				return badPath(r.Name)
			}
			info, err := readVMDK(p)
			if err != nil {
				return notFound(r.Name)
			}
			newSize := r.NewCapacityKb * 1024
			if newSize < info.capacity || len(info.extents) != 1 {
				return nil, &types.InvalidArgument{InvalidProperty: "newCapacityKb"}, "A specified parameter was not correct: newCapacityKb"
			}
			_ = os.Truncate(info.extents[0], newSize)
			data, _ := ioutil.ReadFile(p)
			text := reExtentLine.ReplaceAllString(string(data), fmt.Sprintf("${1}%d${3}", newSize/512))
			_ = ioutil.WriteFile(p, []byte(text), 0600)
			return nil, nil, ""
		})
	case *types.QueryVirtualDiskUuid:
		p, _, ok := s.dsPathToReal(r.Name)
		if !ok {
			return faultReply("InvalidDatastorePath", "Invalid datastore path '"+r.Name+"'.", "<datastorePath>"+xmlEsc(r.Name)+"</datastorePath>")
		}
		info, err := readVMDK(p)
		if err != nil {
			return faultReply("FileNotFound", "File "+r.Name+" was not found", "<file>"+xmlEsc(r.Name)+"</file>")
		}
		return okReply(name, "<returnval>"+xmlEsc(info.uuid)+"</returnval>")
	case *types.SetVirtualDiskUuid:
		p, _, ok := s.dsPathToReal(r.Name)
		if !ok {
			return faultReply("InvalidDatastorePath", "Invalid datastore path '"+r.Name+"'.", "<datastorePath>"+xmlEsc(r.Name)+"</datastorePath>")
		}
		data, err := ioutil.ReadFile(p)
		if err != nil {
			return faultReply("FileNotFound", "File "+r.Name+" was not found", "<file>"+xmlEsc(r.Name)+"</file>")
		}
		text := regexp.MustCompile(`(?m)^ddb\.uuid = ".*"$`).ReplaceAllString(string(data), `ddb.uuid = "`+r.Uuid+`"`)
		_ = ioutil.WriteFile(p, []byte(text), 0600)
		return okReply(name, "")
	}
	return nil
}

var reExtentLine = regexp.MustCompile(`(?m)^(RW\s+)(\d+)(\s+VMFS\s+".*")$`)

// ---- port groups ----

func (s *Sim) portGroup(name string, m *simulator.Method) *reply {
	ns, ok := simulator.Map.Get(m.This).(*simulator.HostNetworkSystem)
	if !ok || ns.Host == nil {
		return nil
	}
	host := hostObj(ns.Host.Self)
	if host == nil {
		return nil
	}
	ni := host.Config.Network
	ns.NetworkInfo = ni // keep both views identical
	dc, _ := simulator.Map.Get(s.dcRef).(*simulator.Datacenter)
	findVS := func(n string) *types.HostVirtualSwitch {
		for i := range ni.Vswitch {
			if ni.Vswitch[i].Name == n {
				return &ni.Vswitch[i]
			}
		}
		return nil
	}
	findPG := func(n string) int {
		for i := range ni.Portgroup {
			if ni.Portgroup[i].Spec.Name == n {
				return i
			}
		}
		return -1
	}
	nf := func(what string) *reply {
		return faultReply("NotFound", "The object or item referred to could not be found.", "")
	}
	switch r := m.Body.(type) {
	case *types.AddVirtualSwitch:
		if findVS(r.VswitchName) != nil {
			return faultReply("AlreadyExists", "The specified key, name, or identifier '"+r.VswitchName+"' already exists.", "<name>"+xmlEsc(r.VswitchName)+"</name>")
		}
		vs := types.HostVirtualSwitch{Name: r.VswitchName, Key: "key-vim.host.VirtualSwitch-" + r.VswitchName, NumPorts: 128, NumPortsAvailable: 128, Mtu: 1500}
		if r.Spec != nil {
			vs.Spec = *r.Spec
		} else {
			vs.Spec = types.HostVirtualSwitchSpec{NumPorts: 128}
		}
		ni.Vswitch = append(ni.Vswitch, vs)
		return okReply(name, "")
	case *types.AddPortGroup:
		pg := r.Portgrp
		vs := findVS(pg.VswitchName)
		if vs == nil || pg.Name == "" {
			return nf(pg.VswitchName)
		}
		if findPG(pg.Name) >= 0 {
			return faultReply("AlreadyExists", "The specified key, name, or identifier '"+pg.Name+"' already exists.", "<name>"+xmlEsc(pg.Name)+"</name>")
		}
		key := "key-vim.host.PortGroup-" + pg.Name
		vs.Portgroup = append(vs.Portgroup, key)
		if pg.Policy.Security == nil && pg.Policy.NicTeaming == nil {
			pg.Policy = types.HostNetworkPolicy{}
		}
		ni.Portgroup = append(ni.Portgroup, types.HostPortGroup{Key: key, Vswitch: vs.Key, Spec: pg,
			ComputedPolicy: types.HostNetworkPolicy{Security: &types.HostNetworkSecurityPolicy{AllowPromiscuous: types.NewBool(false), MacChanges: types.NewBool(true), ForgedTransmits: types.NewBool(true)}}})
		s.ensureNetwork(dc, host, pg.Name)
		return okReply(name, "")
	case *types.UpdatePortGroup:
		i := findPG(r.PgName)
		if i < 0 {
			return nf(r.PgName)
		}
		old := ni.Portgroup[i].Spec
		spec := r.Portgrp
		if spec.Name == "" {
			spec.Name = old.Name
		}
		if spec.VswitchName == "" {
			spec.VswitchName = old.VswitchName
		}
		ni.Portgroup[i].Spec = spec
		if spec.Name != old.Name {
			ni.Portgroup[i].Key = "key-vim.host.PortGroup-" + spec.Name
			for j := range ni.Vswitch {
				for k, pk := range ni.Vswitch[j].Portgroup {
					if pk == "key-vim.host.PortGroup-"+old.Name {
						ni.Vswitch[j].Portgroup[k] = ni.Portgroup[i].Key
					}
				}
			}
			s.dropNetwork(dc, host, old.Name)
			s.ensureNetwork(dc, host, spec.Name)
		}
		return okReply(name, "")
	case *types.RemovePortGroup:
		i := findPG(r.PgName)
		if i < 0 {
			return nf(r.PgName)
		}
		key := ni.Portgroup[i].Key
		ni.Portgroup = append(ni.Portgroup[:i], ni.Portgroup[i+1:]...)
		for j := range ni.Vswitch {
			out := ni.Vswitch[j].Portgroup[:0]
			for _, pk := range ni.Vswitch[j].Portgroup {
				if pk != key {
					out = append(out, pk)
				}
			}
			ni.Vswitch[j].Portgroup = out
		}
		s.dropNetwork(dc, host, r.PgName)
		return okReply(name, "")
	}
	return nil
}

func (s *Sim) ensureNetwork(dc *simulator.Datacenter, host *simulator.HostSystem, name string) {
	if dc == nil {
		return
	}
	var net *mo.Network
	if e := simulator.Map.FindByName(name, dc.Network); e != nil {
		net, _ = e.(*mo.Network)
	}
	if net == nil {
		folder, ok := simulator.Map.Get(dc.NetworkFolder).(*simulator.Folder)
		if !ok {
			return
		}
		net = &mo.Network{}
		net.Name = name
		simulator.Map.NewEntity(net)
		folder.ChildEntity = append(folder.ChildEntity, net.Self)
		simulator.Map.PutEntity(folder, net)
		dc.Network = append(dc.Network, net.Self)
		net.Summary = &types.NetworkSummary{Network: &net.Self, Name: name, Accessible: true}
	}
	if simulator.FindReference(net.Host, host.Self) == nil {
		net.Host = append(net.Host, host.Self)
	}
	if simulator.FindReference(host.Network, net.Self) == nil {
		host.Network = append(host.Network, net.Self)
	}
	if host.Parent != nil {
		switch cr := simulator.Map.Get(*host.Parent).(type) {
		case *mo.ComputeResource:
			if simulator.FindReference(cr.Network, net.Self) == nil {
				cr.Network = append(cr.Network, net.Self)
			}
		case *simulator.ClusterComputeResource:
			if simulator.FindReference(cr.Network, net.Self) == nil {
				cr.Network = append(cr.Network, net.Self)
			}
		}
	}
}

func (s *Sim) dropNetwork(dc *simulator.Datacenter, host *simulator.HostSystem, name string) {
	if dc == nil {
		return
	}
	e := simulator.Map.FindByName(name, dc.Network)
	net, ok := e.(*mo.Network)
	if !ok {
		return
	}
	simulator.RemoveReference(&net.Host, host.Self)
	simulator.RemoveReference(&host.Network, net.Self)
	if len(net.Host) > 0 {
		return
	}
	if host.Parent != nil {
		switch cr := simulator.Map.Get(*host.Parent).(type) {
		case *mo.ComputeResource:
			simulator.RemoveReference(&cr.Network, net.Self)
		case *simulator.ClusterComputeResource:
			simulator.RemoveReference(&cr.Network, net.Self)
		}
	}
	if folder, ok := simulator.Map.Get(dc.NetworkFolder).(*simulator.Folder); ok {
		simulator.RemoveReference(&folder.ChildEntity, net.Self)
	}
	simulator.RemoveReference(&dc.Network, net.Self)
	simulator.Map.Remove(net.Self)
}
