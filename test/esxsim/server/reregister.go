package main

import (
	"context"
	"io/ioutil"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// registerExisting registers every .vmx found (up to 3 levels deep) in the
// datastores, so that a restart on a kept -root brings the VMs back
// (powered off; snapshots, autostart and task history are lost).
// It returns the real paths of the registered .vmx files.
func (s *Sim) registerExisting(ctx context.Context) map[string]bool {
	done := map[string]bool{}
	var vmxs []string
	for _, d := range s.datastores {
		for _, pat := range []string{"*/*.vmx", "*/*/*.vmx", "*/*/*/*.vmx"} {
			m, _ := filepath.Glob(filepath.Join(d.dir, pat))
			vmxs = append(vmxs, m...)
		}
	}
	sort.Strings(vmxs)
	dc := simulator.Map.Get(s.dcRef).(*simulator.Datacenter)
	for i, real := range vmxs {
		if strings.Contains(real, "/.") {
			continue
		}
		f, err := readVMXFile(real)
		if err != nil {
			continue
		}
		name := f.get("displayName")
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(real), ".vmx")
		}
		dir := filepath.Dir(real)
		for _, n := range []string{name + ".nvram", "vmware.log"} {
			if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
				_ = ioutil.WriteFile(filepath.Join(dir, n), nil, 0644)
			}
		}
		h := s.hosts[i%len(s.hosts)]
		res, err := methods.RegisterVM_Task(ctx, s.client, &types.RegisterVM_Task{
			This: dc.VmFolder, Path: s.realToDsPath(real), Name: name, Pool: s.hostPool(h), Host: &h,
		})
		if err != nil {
			continue
		}
		if t := taskOf(res.Returnval); t != nil && t.Info.State == types.TaskInfoStateSuccess {
			if vm := s.vmOf(t.Info.Result.(types.ManagedObjectReference)); vm != nil {
				_ = s.applyVMX(vm)
				done[real] = true
			}
		}
	}
	return done
}
