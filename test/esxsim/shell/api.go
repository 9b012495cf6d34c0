package main

// Connection from a shell tool to the simulator's vSphere API. The chroot
// holds /etc/esxsim/api.conf (root only, KEY=VALUE: URL, USERNAME, PASSWORD,
// THUMBPRINT, DATACENTER, MODE); sshd's SetEnv gives ESXSIM_HOST (the host this
// shell belongs to; default: hostname) and optionally ESXSIM_CONF.

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type apiConf map[string]string

func loadConf() (apiConf, error) {
	path := os.Getenv("ESXSIM_CONF")
	if path == "" {
		path = "/etc/esxsim/api.conf"
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := apiConf{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kv := strings.SplitN(strings.TrimSpace(sc.Text()), "=", 2)
		if len(kv) == 2 && !strings.HasPrefix(kv[0], "#") {
			c[kv[0]] = kv[1]
		}
	}
	if c["URL"] == "" {
		return nil, fmt.Errorf("%s: no URL", path)
	}
	return c, nil
}

func thisHostName() string {
	if h := os.Getenv("ESXSIM_HOST"); h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}

type apiSession struct {
	ctx    context.Context
	cancel context.CancelFunc
	conf   apiConf
	c      *govmomi.Client
	host   mo.HostSystem
}

func connectAPI() (*apiSession, error) {
	conf, err := loadConf()
	if err != nil {
		return nil, fmt.Errorf("cannot read the host agent configuration: %v", err)
	}
	u, err := url.Parse(conf["URL"])
	if err != nil {
		return nil, err
	}
	u.User = url.UserPassword(conf["USERNAME"], conf["PASSWORD"])
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("Failed to login: %v", err)
	}
	s := &apiSession{ctx: ctx, cancel: cancel, conf: conf, c: c}
	if err := s.findHost(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *apiSession) close() {
	s.c.Logout(s.ctx)
	s.cancel()
}

func (s *apiSession) findHost() error {
	m := view.NewManager(s.c.Client)
	v, err := m.CreateContainerView(s.ctx, s.c.ServiceContent.RootFolder, []string{"HostSystem"}, true)
	if err != nil {
		return err
	}
	defer v.Destroy(s.ctx)
	var hosts []mo.HostSystem
	if err := v.Retrieve(s.ctx, []string{"HostSystem"}, []string{"name", "vm", "datastore", "configManager", "parent"}, &hosts); err != nil {
		return err
	}
	want := thisHostName()
	for _, h := range hosts {
		if h.Name == want || strings.SplitN(h.Name, ".", 2)[0] == want {
			s.host = h
			return nil
		}
	}
	if len(hosts) == 1 {
		s.host = hosts[0]
		return nil
	}
	return fmt.Errorf("host %q not found in the inventory", want)
}

// vmid: ESX shows plain integers; the simulator's morefs are vm-N.
func vmidOf(ref types.ManagedObjectReference) string {
	return strings.TrimPrefix(ref.Value, "vm-")
}

type vmInfo struct {
	mo.VirtualMachine
	ID string
}

func (s *apiSession) hostVMs() ([]vmInfo, error) {
	// re-read the host's vm list (it changes with register/migrate)
	var h mo.HostSystem
	if err := s.c.RetrieveOne(s.ctx, s.host.Reference(), []string{"vm"}, &h); err != nil {
		return nil, err
	}
	if len(h.Vm) == 0 {
		return nil, nil
	}
	var vms []mo.VirtualMachine
	if err := s.c.Retrieve(s.ctx, h.Vm, []string{"name", "config", "runtime"}, &vms); err != nil {
		return nil, err
	}
	out := make([]vmInfo, 0, len(vms))
	for _, v := range vms {
		out = append(out, vmInfo{v, vmidOf(v.Self)})
	}
	return out, nil
}

func (s *apiSession) vmByID(id string) (*vmInfo, error) {
	vms, err := s.hostVMs()
	if err != nil {
		return nil, err
	}
	for i := range vms {
		if vms[i].ID == id || vms[i].Self.Value == id {
			return &vms[i], nil
		}
	}
	return nil, fmt.Errorf("Unable to find a VM corresponding to \"%s\"", id)
}

// controlPost calls the simulator's control endpoint (same port as /sdk).
func (s *apiSession) controlPost(path string) error {
	u, _ := url.Parse(s.conf["URL"])
	u.Path = ""
	req, err := http.NewRequest("POST", strings.TrimRight(u.String(), "/")+path, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(s.conf["USERNAME"], s.conf["PASSWORD"])
	cl := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
	}
	return nil
}

type dsInfo struct {
	mo.Datastore
	UUID string
}

func (s *apiSession) datastores() ([]dsInfo, error) {
	var h mo.HostSystem
	if err := s.c.RetrieveOne(s.ctx, s.host.Reference(), []string{"datastore"}, &h); err != nil {
		return nil, err
	}
	if len(h.Datastore) == 0 {
		return nil, nil
	}
	var ds []mo.Datastore
	if err := s.c.Retrieve(s.ctx, h.Datastore, []string{"name", "summary", "info"}, &ds); err != nil {
		return nil, err
	}
	var out []dsInfo
	for _, d := range ds {
		u := strings.TrimRight(d.Summary.Url, "/")
		if i := strings.LastIndex(u, "/"); i >= 0 {
			u = u[i+1:]
		}
		out = append(out, dsInfo{d, u})
	}
	return out, nil
}

// toDatastorePath turns /vmfs/volumes/<name|uuid>/rest into "[name] rest".
func (s *apiSession) toDatastorePath(p string) (string, error) {
	if strings.HasPrefix(p, "[") {
		return p, nil
	}
	const pre = "/vmfs/volumes/"
	if !strings.HasPrefix(p, pre) {
		return "", fmt.Errorf("%s is not on a datastore", p)
	}
	parts := strings.SplitN(strings.TrimPrefix(p, pre), "/", 2)
	rest := ""
	if len(parts) == 2 {
		rest = parts[1]
	}
	dss, err := s.datastores()
	if err != nil {
		return "", err
	}
	uuid := parts[0]
	if t, err := os.Readlink(pre + parts[0]); err == nil {
		uuid = strings.TrimRight(t, "/")
		if i := strings.LastIndex(uuid, "/"); i >= 0 {
			uuid = uuid[i+1:]
		}
	}
	for _, d := range dss {
		if d.Name == parts[0] || d.UUID == uuid || d.UUID == parts[0] {
			return fmt.Sprintf("[%s] %s", d.Name, rest), nil
		}
	}
	return "", fmt.Errorf("no datastore for %s", p)
}

// fromDatastorePath turns "[name] rest" into /vmfs/volumes/name/rest.
func fromDatastorePath(p string) string {
	if !strings.HasPrefix(p, "[") {
		return p
	}
	i := strings.Index(p, "]")
	if i < 0 {
		return p
	}
	return "/vmfs/volumes/" + p[1:i] + "/" + strings.TrimSpace(p[i+1:])
}
