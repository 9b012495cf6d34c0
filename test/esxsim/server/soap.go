package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io/ioutil"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const envOpen = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
const envClose = `</soapenv:Body></soapenv:Envelope>`

var typeFunc = types.TypeFunc()

func xmlEsc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func moXML(tag string, ref types.ManagedObjectReference) string {
	return fmt.Sprintf(`<%s type="%s">%s</%s>`, tag, ref.Type, xmlEsc(ref.Value), tag)
}

// reply is a SOAP answer produced by the middleware itself.
type reply struct {
	status int
	body   string
}

func okReply(method, inner string) *reply {
	return &reply{200, fmt.Sprintf(`<%sResponse xmlns="urn:vim25">%s</%sResponse>`, method, inner, method)}
}

func taskReply(method string, task types.ManagedObjectReference) *reply {
	return okReply(method, moXML("returnval", task))
}

func faultReply(kind, msg, detail string) *reply {
	return &reply{500, fmt.Sprintf(`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:vim25" xsi:type="%s">%s</%sFault></detail></soapenv:Fault>`,
		xmlEsc(msg), kind, kind, detail, kind)}
}

// runTask creates and runs a vcsim task whose body is fn; msg overrides the
// localized message of a failure.
func runTask(obj types.ManagedObjectReference, name string, fn func() (types.AnyType, types.BaseMethodFault, string)) types.ManagedObjectReference {
	var msg string
	t := simulator.CreateTask(obj, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		res, f, m := fn()
		msg = m
		return res, f
	})
	ref := t.Run()
	if t.Info.Error != nil && msg != "" {
		t.Info.Error.LocalizedMessage = msg
	}
	return ref
}

func failTask(obj types.ManagedObjectReference, method string, f types.BaseMethodFault, msg string) *reply {
	name := strings.TrimSuffix(method, "_Task")
	if len(name) > 0 {
		name = strings.ToLower(name[:1]) + name[1:]
	}
	return taskReply(method, runTask(obj, name, func() (types.AnyType, types.BaseMethodFault, string) { return nil, f, msg }))
}

func taskOf(ref types.ManagedObjectReference) *simulator.Task {
	t, _ := simulator.Map.Get(ref).(*simulator.Task)
	return t
}

func taskOK(ref types.ManagedObjectReference) bool {
	t := taskOf(ref)
	return t != nil && t.Info.State == types.TaskInfoStateSuccess
}

var publicMethods = map[string]bool{
	"RetrieveServiceContent": true, "Login": true, "LoginByToken": true,
	"LoginExtensionByCertificate": true, "CloneSession": true, "PbmRetrieveServiceContent": true,
	"CurrentTime": true, // System.Anonymous on ESX
}

var reMethod = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9_]+:)?([A-Za-z0-9_]+)`)

func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/esxsim/"):
		s.serveControl(w, r)
	case p == "/sdk" || p == "/sdk/" || p == "/sdk/vimService":
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		s.serveSOAP(w, r)
	case p == "/sdk/vimServiceVersions.xml":
		s.svc.ServiceVersions(w, r)
	case strings.HasPrefix(p, "/folder"):
		s.serveFolder(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Sim) serveFolder(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/folder" || r.URL.Path == "/folder/" {
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<html><body>esxsim datastore browser</body></html>\n")
		return
	}
	s.statsMu.Lock()
	s.stats["HTTP_"+r.Method]++
	rule := s.matchFault("HTTP_" + r.Method)
	s.statsMu.Unlock()
	if rule != nil {
		switch rule.kind {
		case "delay":
			time.Sleep(time.Duration(rule.ms) * time.Millisecond)
		case "drop":
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		case "fault":
			http.Error(w, "simulated fault", http.StatusInternalServerError)
			return
		}
	}
	s.svc.ServeDatastore(w, r)
}

func (s *Sim) serveSOAP(w http.ResponseWriter, r *http.Request) {
	body, err := ioutil.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	body = bytes.ReplaceAll(body, []byte(">/vmfs/volumes/"), []byte(">"+rootDir+"/vmfs/volumes/"))
	name := ""
	if m := reMethod.FindSubmatch(body); m != nil {
		name = string(m[1])
	}
	s.statsMu.Lock()
	s.stats[name]++
	s.stats["TOTAL"]++
	rule := s.matchFault(name)
	s.statsMu.Unlock()
	if *flagVerbose {
		log.Printf("SOAP %s", name)
	}

	if rule != nil {
		switch rule.kind {
		case "delay":
			time.Sleep(time.Duration(rule.ms) * time.Millisecond)
		case "drop":
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					if tc, ok := c.(*net.TCPConn); ok {
						tc.SetLinger(0)
					}
					c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
	}

	// session check
	cookie, _ := r.Cookie(soap.SessionCookieName)
	valid := false
	if cookie != nil {
		s.statsMu.Lock()
		last, ok := s.sessions[cookie.Value]
		valid = ok
		if ok && *flagSessionTimeout > 0 && time.Since(last) > *flagSessionTimeout {
			delete(s.sessions, cookie.Value) // idle too long, as ESX's session timeout
			valid = false
		}
		if valid {
			s.sessions[cookie.Value] = time.Now()
		}
		s.statsMu.Unlock()
	}
	if !valid {
		r.Header.Del("Cookie")
		if !publicMethods[name] {
			s.write(w, faultReply("NotAuthenticated", "The session is not authenticated.",
				`<object type="SessionManager">ha-sessionmgr</object><privilegeId>System.View</privilegeId>`), nil)
			return
		}
	}

	if name != "WaitForUpdatesEx" && name != "WaitForUpdates" && name != "CancelWaitForUpdates" {
		s.mux.Lock()
		defer s.mux.Unlock()
		s.curBody = body
	}

	var method *simulator.Method
	if m, err := simulator.UnmarshalBody(typeFunc, body); err == nil {
		method = m
	}

	if rule != nil && rule.kind == "fault" {
		if strings.HasSuffix(name, "_Task") && method != nil {
			s.write(w, failTask(method.This, name, &types.SystemError{Reason: "simulated fault"}, "A general system error occurred: simulated fault"), nil)
		} else {
			s.write(w, faultReply("SystemError", "simulated fault", "<reason>simulated fault</reason>"), nil)
		}
		return
	}

	if rule != nil && rule.kind == "ignore" && method != nil {
		// the call "succeeds" without any effect (a guest that ignores
		// ShutdownGuest: the VM stays poweredOn)
		if strings.HasSuffix(name, "_Task") {
			ref := runTask(method.This, lcFirst(strings.TrimSuffix(name, "_Task")), func() (types.AnyType, types.BaseMethodFault, string) {
				return nil, nil, ""
			})
			s.write(w, taskReply(name, ref), nil)
		} else {
			s.write(w, okReply(name, ""), nil)
		}
		return
	}

	if !strings.HasPrefix(name, "Retrieve") && !strings.HasPrefix(name, "WaitFor") && !strings.HasPrefix(name, "ContinueRetrieve") {
		s.lastDsRefresh = time.Time{} // something may have changed: recompute usage on next read
	}
	var rep *reply
	if method != nil {
		func() {
			defer func() {
				if e := recover(); e != nil {
					log.Printf("panic in %s: %v\n%s", name, e, debug.Stack())
					rep = faultReply("SystemError", fmt.Sprintf("A general system error occurred: %v", e), fmt.Sprintf("<reason>%s</reason>", xmlEsc(fmt.Sprint(e))))
				}
			}()
			rep = s.hook(name, method)
		}()
	}
	if rep != nil {
		s.write(w, rep, nil)
		return
	}

	// pass through to vcsim
	r2 := r.Clone(r.Context())
	r2.Body = ioutil.NopCloser(bytes.NewReader(body))
	r2.URL.Path = "/sdk"
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if e := recover(); e != nil {
				log.Printf("panic in vcsim %s: %v\n%s", name, e, debug.Stack())
				rec = httptest.NewRecorder()
				rep = faultReply("SystemError", fmt.Sprintf("A general system error occurred: %v", e), "<reason>internal error</reason>")
			}
		}()
		s.svc.ServeSDK(rec, r2)
	}()
	if rep != nil {
		s.write(w, rep, nil)
		return
	}
	res := rec.Result()
	// session bookkeeping
	switch name {
	case "Login", "LoginByToken", "LoginExtensionByCertificate", "CloneSession":
		if res.StatusCode == 200 {
			for _, c := range res.Cookies() {
				if c.Name == soap.SessionCookieName {
					s.statsMu.Lock()
					s.sessions[c.Value] = time.Now()
					s.logins++
					s.statsMu.Unlock()
				}
			}
		}
	case "Logout":
		if res.StatusCode == 200 && cookie != nil {
			s.statsMu.Lock()
			delete(s.sessions, cookie.Value)
			s.logouts++
			s.statsMu.Unlock()
		}
	case "TerminateSession":
		if res.StatusCode == 200 {
			if method == nil {
				break
			}
			if req, ok := method.Body.(*types.TerminateSession); ok {
				s.statsMu.Lock()
				for _, id := range req.SessionId {
					delete(s.sessions, id)
				}
				s.statsMu.Unlock()
			}
		}
	}
	out := rewriteResponse(rec.Body.Bytes(), rootDir)
	if name == "RetrievePropertiesEx" && res.StatusCode == 200 {
		out = s.pageResponse(out, s.pageSize(method))
	}
	for k, v := range rec.Header() {
		if k == "Content-Length" {
			continue
		}
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(res.StatusCode)
	w.Write(out)
}

func (s *Sim) write(w http.ResponseWriter, rep *reply, hdr http.Header) {
	out := rewriteResponse([]byte(envOpen+rep.body+envClose), rootDir)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(rep.status)
	w.Write(out)
}

func (s *Sim) reqMentions(word string) bool {
	return bytes.Contains(s.curBody, []byte(word))
}

func (s *Sim) vmOf(ref types.ManagedObjectReference) *simulator.VirtualMachine {
	vm, _ := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	return vm
}

func notFoundReply(ref types.ManagedObjectReference) *reply {
	return faultReply("ManagedObjectNotFound", "The object has already been deleted or has not been completely created",
		moXML("obj", ref))
}

// hook handles (or pre/post-processes) methods vcsim lacks or gets wrong.
// A nil reply means: pass the request through to vcsim unchanged.
func (s *Sim) hook(name string, m *simulator.Method) *reply {
	ctx := context.Background()
	c := s.client
	switch name {
	case "RetrieveProperties", "RetrievePropertiesEx", "CheckForUpdates":
		// cheap hints: only refresh what the request may read
		if s.reqMentions("VirtualMachine") || s.reqMentions("HostSystem") || s.reqMentions("ContainerView") || name != "RetrievePropertiesEx" && name != "RetrieveProperties" {
			s.refreshStats()
		}
		if s.reqMentions("Datastore") || s.reqMentions("ContainerView") {
			s.refreshDatastores(false)
		}
		return nil

	case "RegisterVM_Task":
		req := m.Body.(*types.RegisterVM_Task)
		return s.registerVM(ctx, req)

	case "CreateVM_Task":
		req := m.Body.(*types.CreateVM_Task)
		s.prepareDisks(nil, &req.Config)
		res, err := methods.CreateVM_Task(ctx, c, req)
		if err != nil {
			return soapErrReply(err)
		}
		if t := taskOf(res.Returnval); t != nil && t.Info.State == types.TaskInfoStateSuccess {
			if ref, ok := t.Info.Result.(types.ManagedObjectReference); ok {
				if vm := s.vmOf(ref); vm != nil {
					_ = s.generateVMX(vm)
					s.fixVM(vm)
				}
			}
		}
		return taskReply(name, res.Returnval)

	case "ReconfigVM_Task":
		req := m.Body.(*types.ReconfigVM_Task)
		vm := s.vmOf(req.This)
		if vm == nil {
			return notFoundReply(req.This)
		}
		fixes := s.unknownNICs(&req.Spec)
		destroy := s.prepareDisks(vm, &req.Spec)
		res, err := methods.ReconfigVM_Task(ctx, c, req)
		if err != nil {
			return soapErrReply(err)
		}
		s.restoreNICs(vm, fixes)
		if taskOK(res.Returnval) {
			for _, p := range destroy {
				_ = deleteVMDK(p)
			}
			if err := s.patchVMX(vm, &req.Spec, ""); err != nil {
				log.Printf("patch vmx %s: %v", vm.Name, err)
			}
			s.fixVM(vm)
		}
		return taskReply(name, res.Returnval)

	case "Rename_Task":
		req := m.Body.(*types.Rename_Task)
		vm := s.vmOf(req.This)
		if vm == nil {
			return nil
		}
		res, err := methods.Rename_Task(ctx, c, req)
		if err != nil {
			return soapErrReply(err)
		}
		if taskOK(res.Returnval) {
			_ = s.patchVMX(vm, nil, req.NewName)
			s.fixVM(vm)
		}
		return taskReply(name, res.Returnval)

	case "PowerOnVM_Task":
		req := m.Body.(*types.PowerOnVM_Task)
		vm := s.vmOf(req.This)
		if vm == nil {
			return notFoundReply(req.This)
		}
		if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			return failTask(req.This, name, &types.InvalidPowerState{RequestedState: "poweredOn", ExistingState: "poweredOn"},
				"The attempted operation cannot be performed in the current state (Powered on).")
		}
		if miss := s.missingDisk(vm); miss != "" {
			return failTask(req.This, name, &types.FileNotFound{FileFault: types.FileFault{File: miss}}, "File "+miss+" was not found")
		}
		return nil

	case "SuspendVM_Task":
		vm := s.vmOf(m.This)
		if vm != nil && vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			return failTask(m.This, name, &types.InvalidPowerState{RequestedState: "poweredOn", ExistingState: vm.Runtime.PowerState},
				"The attempted operation cannot be performed in the current state ("+powerText(vm.Runtime.PowerState)+").")
		}
		return nil

	case "RebootGuest":
		req := m.Body.(*types.RebootGuest)
		vm := s.vmOf(req.This)
		if vm == nil {
			return notFoundReply(req.This)
		}
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			return faultReply("InvalidPowerState", "The attempted operation cannot be performed in the current state ("+powerText(vm.Runtime.PowerState)+").",
				fmt.Sprintf("<requestedState>poweredOn</requestedState><existingState>%s</existingState>", vm.Runtime.PowerState))
		}
		now := time.Now()
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "runtime.bootTime", Val: now}, {Name: "summary.runtime.bootTime", Val: now}})
		return okReply(name, "")

	case "ShutdownGuest", "StandbyGuest":
		vm := s.vmOf(m.This)
		if vm != nil && vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			return faultReply("InvalidPowerState", "The attempted operation cannot be performed in the current state ("+powerText(vm.Runtime.PowerState)+").",
				fmt.Sprintf("<requestedState>poweredOn</requestedState><existingState>%s</existingState>", vm.Runtime.PowerState))
		}
		if name == "StandbyGuest" && vm != nil {
			res, err := methods.SuspendVM_Task(ctx, c, &types.SuspendVM_Task{This: vm.Self})
			if err != nil || !taskOK(res.Returnval) {
				return faultReply("SystemError", "A general system error occurred: standby failed", "<reason>standby failed</reason>")
			}
			return okReply(name, "")
		}
		return nil

	case "Reload":
		vm := s.vmOf(m.This)
		if vm == nil {
			return notFoundReply(m.This)
		}
		if err := s.applyVMX(vm); err != nil {
			return faultReply("SystemError", "A general system error occurred: "+err.Error(), "<reason>"+xmlEsc(err.Error())+"</reason>")
		}
		return okReply(name, "")

	case "ReloadVirtualMachineFromPath_Task":
		req := m.Body.(*types.ReloadVirtualMachineFromPath_Task)
		vm := s.vmOf(req.This)
		if vm == nil {
			return notFoundReply(req.This)
		}
		ref := runTask(req.This, "reloadVirtualMachineFromPath", func() (types.AnyType, types.BaseMethodFault, string) {
			real, _, ok := s.dsPathToReal(req.ConfigurationPath)
			if !ok {
				return nil, &types.InvalidDatastorePath{DatastorePath: req.ConfigurationPath}, "Invalid datastore path '" + req.ConfigurationPath + "'."
			}
			if _, err := os.Stat(real); err != nil {
				return nil, &types.FileNotFound{FileFault: types.FileFault{File: req.ConfigurationPath}}, "File " + req.ConfigurationPath + " was not found"
			}
			old := vm.Config.Files.VmPathName
			vm.Config.Files.VmPathName = req.ConfigurationPath
			vm.Summary.Config.VmPathName = req.ConfigurationPath
			if err := s.applyVMX(vm); err != nil {
				vm.Config.Files.VmPathName = old
				vm.Summary.Config.VmPathName = old
				return nil, &types.InvalidVmConfig{}, "Invalid virtual machine configuration."
			}
			return nil, nil, ""
		})
		return taskReply(name, ref)

	case "MigrateVM_Task":
		return s.migrateVM(m.Body.(*types.MigrateVM_Task))

	case "ValidateMigration":
		return okReply(name, "")

	case "QueryVMotionCompatibility":
		req := m.Body.(*types.QueryVMotionCompatibility)
		inner := ""
		for _, h := range req.Host {
			inner += `<returnval>` + moXML("vm", req.Vm) + moXML("host", h) + `<compatibility>cpu</compatibility><compatibility>software</compatibility></returnval>`
		}
		return okReply(name, inner)

	case "RefreshDatastore", "RefreshDatastoreStorageInfo":
		s.refreshDatastores(true)
		return okReply(name, "")

	case "SearchDatastore_Task", "SearchDatastoreSubFolders_Task":
		return s.searchDatastore(name, m)

	case "CreateVirtualDisk_Task", "CopyVirtualDisk_Task", "MoveVirtualDisk_Task", "DeleteVirtualDisk_Task",
		"QueryVirtualDiskUuid", "SetVirtualDiskUuid", "ExtendVirtualDisk_Task":
		return s.virtualDisk(name, m)

	case "AddPortGroup", "RemovePortGroup", "UpdatePortGroup", "AddVirtualSwitch":
		return s.portGroup(name, m)

	case "ReconfigureAutostart", "AutoStartPowerOn", "AutoStartPowerOff":
		return s.autostart(name, m)

	case "CreateSnapshot_Task", "RevertToSnapshot_Task", "RevertToCurrentSnapshot_Task", "RemoveSnapshot_Task",
		"RemoveAllSnapshots_Task", "RenameSnapshot":
		return s.snapshotOp(name, m)

	case "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx":
		return s.continueRetrieve(name, m)

	case "CurrentTime":
		return okReply(name, `<returnval>`+time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")+`</returnval>`)
	}
	return nil
}

func powerText(st types.VirtualMachinePowerState) string {
	switch st {
	case types.VirtualMachinePowerStatePoweredOn:
		return "Powered on"
	case types.VirtualMachinePowerStateSuspended:
		return "Suspended"
	}
	return "Powered off"
}

// soapErrReply converts an error from the in-process client back to a SOAP fault.
func soapErrReply(err error) *reply {
	if soap.IsSoapFault(err) {
		f := soap.ToSoapFault(err)
		kind := "SystemError"
		if f.VimFault() != nil {
			kind = strings.TrimPrefix(fmt.Sprintf("%T", f.VimFault()), "*types.")
			kind = strings.TrimPrefix(kind, "types.")
		}
		msg := f.String
		if msg == "" {
			msg = esxMessage(kind, nil)
		}
		return faultReply(kind, msg, "")
	}
	return faultReply("SystemError", "A general system error occurred: "+err.Error(), "<reason>"+xmlEsc(err.Error())+"</reason>")
}
