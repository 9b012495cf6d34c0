// esxsim-server: a simulated ESX host / vCenter (SOAP API side) built on
// govmomi's vcsim, fixed up so that libvirt's esx driver and OpenNebula-style
// drivers work against it. See README-server.md.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

var (
	flagMode           = flag.String("mode", "esx", "esx (standalone host) or vpx (vCenter)")
	flagListen         = flag.String("listen", "127.0.0.1:0", "listen address")
	flagTLS            = flag.Bool("tls", true, "serve https with a generated self-signed certificate")
	flagRoot           = flag.String("root", "", "state directory (datastores live in ROOT/vmfs/volumes)")
	flagDatastore      = flag.String("datastores", "0,1,datastore1", "datastore names")
	flagCapMB          = flag.Int64("datastore-capacity-mb", 102400, "reported datastore capacity (MiB)")
	flagVMs            = flag.Int("vms", 0, "number of wild VMs (0..1000)")
	flagUser           = flag.String("user", "root", "login user")
	flagPassFile       = flag.String("password-file", "", "file whose first line is the password")
	flagReady          = flag.String("ready-file", "", "write KEY=VALUE lines here once serving")
	flagHostname       = flag.String("hostname", "esx1.sim.local", "host name (esx mode)")
	flagHostNames      = flag.String("host-names", "host1,host2", "host names (vpx mode)")
	flagVerbose        = flag.Bool("v", false, "log every SOAP call")
	flagSessionTimeout = flag.Duration("session-timeout", 0, "expire sessions idle longer than this (e.g. 30m; 0 = never)")
	flagHostCPUs       = flag.Int("host-cpus", 8, "CPU cores per host")
	flagHostMemMB      = flag.Int64("host-memory-mb", 32768, "memory per host (MiB)")
	flagHostIPs        = flag.String("host-ips", "", "comma list of management IPs (vmk0) per host; default: the listen address")
)

var rootDir string

func main() {
	start := time.Now()
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("esxsim-server: ")
	if *flagRoot == "" {
		log.Fatal("-root is required")
	}
	if *flagMode != "esx" && *flagMode != "vpx" {
		log.Fatal("-mode must be esx or vpx")
	}
	if *flagVMs < 0 || *flagVMs > 1000 {
		log.Fatal("-vms must be 0..1000")
	}
	r, err := filepath.Abs(*flagRoot)
	if err != nil {
		log.Fatal(err)
	}
	rootDir = filepath.Clean(r)
	if err := os.MkdirAll(filepath.Join(rootDir, "vmfs", "volumes"), 0755); err != nil {
		log.Fatal(err)
	}
	password := ""
	if *flagPassFile != "" {
		b, err := ioutil.ReadFile(*flagPassFile)
		if err != nil {
			log.Fatal(err)
		}
		password = strings.SplitN(string(b), "\n", 2)[0]
		password = strings.TrimRight(password, "\r")
	} else {
		log.Print("warning: no -password-file, every login fails")
	}

	if pf := os.Getenv("ESXSIM_CPUPROFILE"); pf != "" {
		f, err := os.Create(pf)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	old := debug.SetGCPercent(400) // building the inventory allocates a lot; collect less often
	sim, err := buildModel(*flagMode, password)
	debug.SetGCPercent(old)
	pprof.StopCPUProfile()
	if err != nil {
		log.Fatalf("building model: %v", err)
	}

	ln, err := net.Listen("tcp", *flagListen)
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	host := ln.Addr().(*net.TCPAddr).IP.String()
	scheme := "http"
	thumb := ""
	srv := &http.Server{Handler: sim, ErrorLog: log.New(ioutil.Discard, "", 0)}
	if *flagTLS {
		cert, der, err := makeCert(host)
		if err != nil {
			log.Fatal(err)
		}
		sum := sha1.Sum(der)
		parts := make([]string, len(sum))
		for i, b := range sum {
			parts[i] = fmt.Sprintf("%02X", b)
		}
		thumb = strings.Join(parts, ":")
		for _, ref := range sim.hosts {
			if h := hostObj(ref); h != nil {
				h.Summary.Config.SslThumbprint = thumb
			}
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()

	var lines []string
	// keys must be valid shell variable names (the file is sourced by scripts)
	add := func(k, v string) { lines = append(lines, shellKey(k)+"="+v) }
	add("URL", fmt.Sprintf("%s://%s/sdk", scheme, net.JoinHostPort(host, fmt.Sprint(port))))
	add("PORT", fmt.Sprint(port))
	add("THUMBPRINT", thumb)
	add("PID", fmt.Sprint(os.Getpid()))
	add("MODE", *flagMode)
	add("DATACENTER", sim.dcName)
	add("HOSTS", strings.Join(sim.hostNames, ","))
	if sim.clusterName != "" {
		add("CLUSTER", sim.clusterName)
		for _, h := range sim.hostNames {
			add("VPX_PATH_"+h, sim.dcName+"/"+sim.clusterName+"/"+h)
		}
	}
	for i, h := range sim.hostNames {
		add("HOSTREF_"+h, sim.hosts[i].Value)
	}
	add("ROOT", rootDir)
	for _, ds := range sim.datastores {
		add("DS_"+ds.name, ds.uuid)
	}
	add("STARTUP_MS", fmt.Sprint(time.Since(start).Milliseconds()))
	text := strings.Join(lines, "\n") + "\n"
	if *flagReady != "" {
		tmp := *flagReady + ".tmp"
		if err := ioutil.WriteFile(tmp, []byte(text), 0644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, *flagReady); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Print(text)
	os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	os.Exit(0)
}

func makeCert(host string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	hn, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: *flagHostname, Organization: []string{"VMware, Inc. (esxsim)"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{*flagHostname, "localhost", hn},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	if err := ioutil.WriteFile(filepath.Join(rootDir, "server.crt"), certPEM, 0644); err != nil {
		return tls.Certificate{}, nil, err
	}
	if err := ioutil.WriteFile(filepath.Join(rootDir, "server.key"), keyPEM, 0600); err != nil {
		return tls.Certificate{}, nil, err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	return c, der, err
}

func shellKey(k string) string {
	b := []byte(k)
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
