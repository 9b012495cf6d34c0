package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

type faultRule struct {
	method string
	kind   string // fault, delay, drop, ignore
	ms     int
	count  int // <0: unlimited
}

// matchFault must be called with statsMu held.
func (s *Sim) matchFault(method string) *faultRule {
	for i, r := range s.faults {
		if r.method != method {
			continue
		}
		if r.count == 0 {
			continue
		}
		if r.count > 0 {
			r.count--
		}
		cp := *r
		if r.count == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &cp
	}
	return nil
}

func (s *Sim) serveControl(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		http.Error(w, "loopback only", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "/esxsim/stats" && r.Method == http.MethodGet:
		s.statsMu.Lock()
		var keys []string
		for k := range s.stats {
			if k != "TOTAL" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s %d\n", k, s.stats[k])
		}
		fmt.Fprintf(w, "TOTAL %d\nLOGIN %d\nLOGOUT %d\nSESSIONS %d\n", s.stats["TOTAL"], s.logins, s.logouts, len(s.sessions))
		s.statsMu.Unlock()
	case p == "/esxsim/stats/reset" && r.Method == http.MethodPost:
		s.statsMu.Lock()
		s.stats = map[string]int{}
		s.logins, s.logouts = 0, 0
		s.statsMu.Unlock()
		fmt.Fprintln(w, "OK")
	case p == "/esxsim/fault" && r.Method == http.MethodPost:
		q := r.URL.Query()
		rule := &faultRule{method: q.Get("method"), kind: q.Get("kind"), count: -1}
		if rule.kind == "" {
			rule.kind = "fault"
		}
		if rule.method == "" || (rule.kind != "fault" && rule.kind != "delay" && rule.kind != "drop" && rule.kind != "ignore") {
			http.Error(w, "need method= and kind=fault|delay|drop|ignore", http.StatusBadRequest)
			return
		}
		if v := q.Get("ms"); v != "" {
			rule.ms, _ = strconv.Atoi(v)
		}
		if v := q.Get("count"); v != "" {
			rule.count, _ = strconv.Atoi(v)
		}
		s.statsMu.Lock()
		s.faults = append(s.faults, rule)
		s.statsMu.Unlock()
		fmt.Fprintln(w, "OK")
	case p == "/esxsim/fault" && r.Method == http.MethodDelete:
		s.statsMu.Lock()
		s.faults = nil
		s.statsMu.Unlock()
		fmt.Fprintln(w, "OK")
	case p == "/esxsim/fault" && r.Method == http.MethodGet:
		s.statsMu.Lock()
		for _, f := range s.faults {
			fmt.Fprintf(w, "%s %s %d %d\n", f.method, f.kind, f.ms, f.count)
		}
		s.statsMu.Unlock()
	case p == "/esxsim/sessions/expire" && r.Method == http.MethodPost:
		s.statsMu.Lock()
		var ids []string
		for id := range s.sessions {
			ids = append(ids, id)
		}
		s.sessions = map[string]time.Time{}
		s.statsMu.Unlock()
		if len(ids) > 0 {
			// also drop them from vcsim's own session list
			s.mux.Lock()
			_, _ = methods.TerminateSession(context.Background(), s.client, &types.TerminateSession{
				This: simulator.Map.SessionManager().Reference(), SessionId: ids})
			s.mux.Unlock()
		}
		fmt.Fprintf(w, "OK %d\n", len(ids))
	case p == "/esxsim/sessions" && r.Method == http.MethodGet:
		s.statsMu.Lock()
		fmt.Fprintf(w, "SESSIONS %d\nLOGIN %d\nLOGOUT %d\n", len(s.sessions), s.logins, s.logouts)
		s.statsMu.Unlock()
	case p == "/esxsim/vms" && r.Method == http.MethodGet:
		s.mux.Lock()
		for _, vm := range s.allVMs() {
			host := "-"
			if vm.Runtime.Host != nil {
				if h := hostObj(*vm.Runtime.Host); h != nil {
					host = h.Name
				}
			}
			real, _ := s.vmPaths(vm)
			fmt.Fprintf(w, "%s %s %s %s %s\n", vm.Name, vm.Self.Value, host, vm.Runtime.PowerState,
				strings.Replace(real, rootDir, "", 1))
		}
		s.mux.Unlock()
	case p == "/esxsim/reload" && r.Method == http.MethodPost:
		name := r.URL.Query().Get("vm")
		s.mux.Lock()
		defer s.mux.Unlock()
		for _, vm := range s.allVMs() {
			if vm.Name == name || vm.Self.Value == name {
				if err := s.applyVMX(vm); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				fmt.Fprintln(w, "OK")
				return
			}
		}
		http.Error(w, "no such VM", http.StatusNotFound)
	default:
		http.NotFound(w, r)
	}
	_ = simulator.Map
}
