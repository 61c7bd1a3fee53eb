package nova

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Key pairs are made, imported, shown, used by a server and deleted as
// Nova does; a generated key is one OpenSSH reads.
func TestKeypairsAnswerAsNova(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	url := demo.compute.Endpoint + "os-keypairs"
	v22 := map[string]string{"OpenStack-API-Version": "compute 2.2"}

	code, _, body := call(t, demo.compute, "POST", url, nil, map[string]any{"keypair": map[string]any{"name": "gen"}})
	gen, _ := body["keypair"].(map[string]any)
	if code != 200 || !strings.HasPrefix(gen["public_key"].(string), "ssh-ed25519 ") || !strings.Contains(gen["private_key"].(string), "OPENSSH PRIVATE KEY") {
		t.Fatalf("generate at 2.1: %d %v", code, body)
	}
	dir := t.TempDir()
	if bin, err := exec.LookPath("ssh-keygen"); err == nil {
		priv := filepath.Join(dir, "gen")
		os.WriteFile(priv, []byte(gen["private_key"].(string)), 0o600)
		out, err := exec.Command(bin, "-y", "-f", priv).Output()
		if err != nil || strings.Fields(string(out))[1] != strings.Fields(gen["public_key"].(string))[1] {
			t.Errorf("ssh-keygen -y on the private key: %v %q", err, out)
		}
		pub := filepath.Join(dir, "gen.pub")
		os.WriteFile(pub, []byte(gen["public_key"].(string)+"\n"), 0o600)
		out, err = exec.Command(bin, "-l", "-E", "md5", "-f", pub).Output()
		if err != nil || !strings.Contains(string(out), "MD5:"+gen["fingerprint"].(string)) {
			t.Errorf("fingerprint %v, ssh-keygen says %q (%v)", gen["fingerprint"], out, err)
		}
	}

	code, _, body = call(t, demo.compute, "POST", url, v22, map[string]any{"keypair": map[string]any{"name": "mine", "public_key": gen["public_key"]}})
	if k, _ := body["keypair"].(map[string]any); code != 201 || k["type"] != "ssh" || k["fingerprint"] != gen["fingerprint"] || k["private_key"] != nil {
		t.Errorf("import at 2.2: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "POST", url, v22, map[string]any{"keypair": map[string]any{"name": "mine", "public_key": gen["public_key"]}})
	wantFault(t, "the same name again", code, body, 409, "conflictingRequest", "Key pair 'mine' already exists.")
	code, _, body = call(t, demo.compute, "POST", url, v22, map[string]any{"keypair": map[string]any{"name": "bad", "public_key": "ssh-rsa AAAA"}})
	wantFault(t, "not a key", code, body, 400, "badRequest", "Keypair data is invalid: failed to generate fingerprint")
	code, _, body = call(t, demo.compute, "GET", url, nil, nil)
	if ks, _ := body["keypairs"].([]any); code != 200 || len(ks) != 2 {
		t.Errorf("list: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "GET", url+"/nope", nil, nil)
	if code != 404 || !strings.HasPrefix(body["itemNotFound"].(map[string]any)["message"].(string), "Keypair nope not found for user ") {
		t.Errorf("unknown key pair: %d %v", code, body)
	}

	// A server with the key: its view names it, its console shows it.
	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
		map[string]any{"server": map[string]any{"name": "vm1", "imageRef": firstImage(t), "flavorRef": "1", "key_name": "mine"}})
	if code != 202 {
		t.Fatalf("create with key_name: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	lb.advance(11 * time.Second)
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers/"+id, nil, nil)
	if code != 200 || body["server"].(map[string]any)["key_name"] != "mine" {
		t.Errorf("server key_name: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers/"+id+"/action", nil, map[string]any{"os-getConsoleOutput": map[string]any{"length": nil}})
	if out, _ := body["output"].(string); code != 200 || !strings.Contains(out, gen["fingerprint"].(string)) {
		t.Errorf("console without the key's fingerprint: %d %v", code, body)
	}

	if code, _, body := call(t, demo.compute, "DELETE", url+"/mine", v22, nil); code != 204 {
		t.Errorf("delete at 2.2: %d %v", code, body)
	}
	if code, _, body := call(t, demo.compute, "DELETE", url+"/gen", nil, nil); code != 202 {
		t.Errorf("delete at 2.1: %d %v", code, body)
	}
	if code, _, _ := call(t, demo.compute, "GET", url+"/mine", nil, nil); code != 404 {
		t.Errorf("deleted key pair: %d", code)
	}
}
