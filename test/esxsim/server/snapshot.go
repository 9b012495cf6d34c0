package main

import (
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Snapshots are handled here rather than by vcsim, whose tree handling
// panics when a snapshot with children or the current root is removed.

type snapMeta struct {
	memory bool
	file   string // real path of the .vmsn
}

var snapInfo = map[types.ManagedObjectReference]*snapMeta{}
var snapSeq = map[types.ManagedObjectReference]int32{}

func findSnap(tree []types.VirtualMachineSnapshotTree, ref types.ManagedObjectReference) (*types.VirtualMachineSnapshotTree, *types.VirtualMachineSnapshotTree) {
	var walk func(list []types.VirtualMachineSnapshotTree, parent *types.VirtualMachineSnapshotTree) (*types.VirtualMachineSnapshotTree, *types.VirtualMachineSnapshotTree)
	walk = func(list []types.VirtualMachineSnapshotTree, parent *types.VirtualMachineSnapshotTree) (*types.VirtualMachineSnapshotTree, *types.VirtualMachineSnapshotTree) {
		for i := range list {
			if list[i].Snapshot == ref {
				return &list[i], parent
			}
			if n, p := walk(list[i].ChildSnapshotList, &list[i]); n != nil {
				return n, p
			}
		}
		return nil, nil
	}
	return walk(tree, nil)
}

func allSnaps(list []types.VirtualMachineSnapshotTree) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, n := range list {
		out = append(out, n.Snapshot)
		out = append(out, allSnaps(n.ChildSnapshotList)...)
	}
	return out
}

// removeFromTree removes ref; its children move up unless removeChildren.
func removeFromTree(list []types.VirtualMachineSnapshotTree, ref types.ManagedObjectReference, removeChildren bool) []types.VirtualMachineSnapshotTree {
	var out []types.VirtualMachineSnapshotTree
	for _, n := range list {
		if n.Snapshot == ref {
			if !removeChildren {
				out = append(out, n.ChildSnapshotList...)
			}
			continue
		}
		n.ChildSnapshotList = removeFromTree(n.ChildSnapshotList, ref, removeChildren)
		out = append(out, n)
	}
	return out
}

func (s *Sim) syncSnapshots(vm *simulator.VirtualMachine) {
	if vm.Snapshot == nil || len(vm.Snapshot.RootSnapshotList) == 0 {
		vm.Snapshot = nil
		vm.RootSnapshot = nil
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "snapshot", Val: nil}})
		return
	}
	vm.RootSnapshot = nil
	for _, n := range vm.Snapshot.RootSnapshotList {
		vm.RootSnapshot = append(vm.RootSnapshot, n.Snapshot)
	}
	var fix func(list []types.VirtualMachineSnapshotTree)
	fix = func(list []types.VirtualMachineSnapshotTree) {
		for _, n := range list {
			if o, ok := simulator.Map.Get(n.Snapshot).(*simulator.VirtualMachineSnapshot); ok {
				o.ChildSnapshot = nil
				for _, c := range n.ChildSnapshotList {
					o.ChildSnapshot = append(o.ChildSnapshot, c.Snapshot)
				}
			}
			fix(n.ChildSnapshotList)
		}
	}
	fix(vm.Snapshot.RootSnapshotList)
	var cur interface{}
	if vm.Snapshot.CurrentSnapshot != nil {
		cur = *vm.Snapshot.CurrentSnapshot
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "snapshot.currentSnapshot", Val: cur},
		{Name: "snapshot.rootSnapshotList", Val: vm.Snapshot.RootSnapshotList},
	})
}

func (s *Sim) snapshotOp(name string, m *simulator.Method) *reply {
	switch r := m.Body.(type) {
	case *types.CreateSnapshot_Task:
		vm := s.vmOf(r.This)
		if vm == nil {
			return notFoundReply(r.This)
		}
		ref := runTask(r.This, "createSnapshot", func() (types.AnyType, types.BaseMethodFault, string) {
			snap := &simulator.VirtualMachineSnapshot{}
			snap.Vm = vm.Self
			snap.Config = *vm.Config
			simulator.Map.Put(snap)
			snapSeq[vm.Self]++
			id := snapSeq[vm.Self]
			item := types.VirtualMachineSnapshotTree{
				Snapshot: snap.Self, Vm: vm.Self, Name: r.Name, Description: r.Description, Id: id,
				CreateTime: time.Now(), State: vm.Runtime.PowerState, Quiesced: r.Quiesce,
				ReplaySupported: types.NewBool(false),
			}
			meta := &snapMeta{memory: r.Memory}
			if real, _ := s.vmPaths(vm); real != "" {
				meta.file = filepath.Join(filepath.Dir(real), fmt.Sprintf("%s-Snapshot%d.vmsn", vm.Name, id))
				_ = ioutil.WriteFile(meta.file, []byte("esxsim snapshot "+r.Name+"\n"), 0644)
			}
			snapInfo[snap.Self] = meta
			if vm.Snapshot == nil {
				vm.Snapshot = &types.VirtualMachineSnapshotInfo{}
			}
			placed := false
			if cur := vm.Snapshot.CurrentSnapshot; cur != nil {
				if n, _ := findSnap(vm.Snapshot.RootSnapshotList, *cur); n != nil {
					n.ChildSnapshotList = append(n.ChildSnapshotList, item)
					placed = true
				}
			}
			if !placed {
				vm.Snapshot.RootSnapshotList = append(vm.Snapshot.RootSnapshotList, item)
			}
			cur := snap.Self
			vm.Snapshot.CurrentSnapshot = &cur
			s.syncSnapshots(vm)
			return snap.Self, nil, ""
		})
		return taskReply(name, ref)

	case *types.RevertToSnapshot_Task, *types.RevertToCurrentSnapshot_Task:
		var vm *simulator.VirtualMachine
		var target types.ManagedObjectReference
		var suppress bool
		if rr, ok := r.(*types.RevertToSnapshot_Task); ok {
			so, ok := simulator.Map.Get(rr.This).(*simulator.VirtualMachineSnapshot)
			if !ok {
				return notFoundReply(rr.This)
			}
			vm = s.vmOf(so.Vm)
			target = rr.This
			suppress = rr.SuppressPowerOn != nil && *rr.SuppressPowerOn
		} else {
			rc := r.(*types.RevertToCurrentSnapshot_Task)
			vm = s.vmOf(rc.This)
			if vm == nil {
				return notFoundReply(rc.This)
			}
			if vm.Snapshot == nil || vm.Snapshot.CurrentSnapshot == nil {
				return faultReply("NotFound", "The object or item referred to could not be found.", "")
			}
			target = *vm.Snapshot.CurrentSnapshot
			suppress = rc.SuppressPowerOn != nil && *rc.SuppressPowerOn
		}
		if vm == nil {
			return notFoundReply(target)
		}
		ref := runTask(m.This, lcFirst(name[:len(name)-len("_Task")]), func() (types.AnyType, types.BaseMethodFault, string) {
			var n *types.VirtualMachineSnapshotTree
			if vm.Snapshot != nil {
				n, _ = findSnap(vm.Snapshot.RootSnapshotList, target)
			}
			if n == nil {
				return nil, &types.NotFound{}, "The object or item referred to could not be found."
			}
			t := target
			vm.Snapshot.CurrentSnapshot = &t
			// ESX: the VM returns to the snapshot's power state; without a
			// memory image that means powered off.
			state := types.VirtualMachinePowerStatePoweredOff
			if meta := snapInfo[target]; meta != nil && meta.memory && n.State != types.VirtualMachinePowerStatePoweredOff {
				state = n.State
				if suppress && state == types.VirtualMachinePowerStatePoweredOn {
					state = types.VirtualMachinePowerStateSuspended
				}
			}
			var boot interface{}
			if state == types.VirtualMachinePowerStatePoweredOn {
				boot = time.Now()
			}
			simulator.Map.Update(vm, []types.PropertyChange{
				{Name: "runtime.powerState", Val: state},
				{Name: "summary.runtime.powerState", Val: state},
				{Name: "runtime.bootTime", Val: boot},
				{Name: "summary.runtime.bootTime", Val: boot},
			})
			s.syncSnapshots(vm)
			return nil, nil, ""
		})
		return taskReply(name, ref)

	case *types.RemoveSnapshot_Task:
		so, ok := simulator.Map.Get(r.This).(*simulator.VirtualMachineSnapshot)
		if !ok {
			return notFoundReply(r.This)
		}
		vm := s.vmOf(so.Vm)
		if vm == nil {
			return notFoundReply(so.Vm)
		}
		removeChildren := r.RemoveChildren
		ref := runTask(r.This, "removeSnapshot", func() (types.AnyType, types.BaseMethodFault, string) {
			if vm.Snapshot == nil {
				return nil, &types.NotFound{}, "The object or item referred to could not be found."
			}
			n, parent := findSnap(vm.Snapshot.RootSnapshotList, r.This)
			if n == nil {
				return nil, &types.NotFound{}, "The object or item referred to could not be found."
			}
			gone := []types.ManagedObjectReference{r.This}
			if removeChildren {
				gone = append(gone, allSnaps(n.ChildSnapshotList)...)
			}
			var parentRef *types.ManagedObjectReference
			if parent != nil {
				p := parent.Snapshot
				parentRef = &p
			}
			if cur := vm.Snapshot.CurrentSnapshot; cur != nil {
				for _, g := range gone {
					if *cur == g {
						vm.Snapshot.CurrentSnapshot = parentRef
					}
				}
			}
			vm.Snapshot.RootSnapshotList = removeFromTree(vm.Snapshot.RootSnapshotList, r.This, removeChildren)
			for _, g := range gone {
				if meta := snapInfo[g]; meta != nil && meta.file != "" {
					_ = os.Remove(meta.file)
				}
				delete(snapInfo, g)
				simulator.Map.Remove(g)
			}
			s.syncSnapshots(vm)
			return nil, nil, ""
		})
		return taskReply(name, ref)

	case *types.RemoveAllSnapshots_Task:
		vm := s.vmOf(r.This)
		if vm == nil {
			return notFoundReply(r.This)
		}
		ref := runTask(r.This, "removeAllSnapshots", func() (types.AnyType, types.BaseMethodFault, string) {
			if vm.Snapshot != nil {
				for _, g := range allSnaps(vm.Snapshot.RootSnapshotList) {
					if meta := snapInfo[g]; meta != nil && meta.file != "" {
						_ = os.Remove(meta.file)
					}
					delete(snapInfo, g)
					simulator.Map.Remove(g)
				}
			}
			vm.Snapshot = nil
			s.syncSnapshots(vm)
			return nil, nil, ""
		})
		return taskReply(name, ref)

	case *types.RenameSnapshot:
		so, ok := simulator.Map.Get(r.This).(*simulator.VirtualMachineSnapshot)
		if !ok {
			return notFoundReply(r.This)
		}
		vm := s.vmOf(so.Vm)
		if vm != nil && vm.Snapshot != nil {
			if n, _ := findSnap(vm.Snapshot.RootSnapshotList, r.This); n != nil {
				if r.Name != "" {
					n.Name = r.Name
				}
				if r.Description != "" {
					n.Description = r.Description
				}
				s.syncSnapshots(vm)
			}
		}
		return okReply(name, "")
	}
	return nil
}
