package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// heldLimit is an open-files limit held in memory: the decision is tested
// without touching the test process's own.
type heldLimit struct{ soft, hard uint64 }

func (h *heldLimit) Get() (uint64, uint64, error) { return h.soft, h.hard, nil }
func (h *heldLimit) SetSoft(s uint64) error {
	if s > h.hard {
		return errors.New("invalid argument")
	}
	h.soft = s
	return nil
}

func TestCheckOpenFilesRaisesFallsBackOrRefuses(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	need := lab.TCPFileBudget(m).Total()
	cases := []struct {
		name       string
		transport  string
		asked      bool
		soft, hard uint64
		wantTrans  string
		wantSoft   uint64
		wantErr    string
		wantNote   string
	}{
		{"enough", "tcp", false, need, need, "tcp", need, "", ""},
		{"raised", "tcp", false, 64, 1 << 20, "tcp", need, "", fmt.Sprintf("raised the open-files limit from 64 to %d", need)},
		{"short: memory instead", "tcp", false, 64, 100, "memory", 100, "", fmt.Sprintf("may open only 100; raise the limit with `ulimit -n %d`", need)},
		{"short, tcp asked: refused", "tcp", true, 64, 100, "tcp", 100, fmt.Sprintf("needs %d open files", need), ""},
		{"memory needs nothing", "memory", false, 64, 100, "memory", 64, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lim := &heldLimit{tc.soft, tc.hard}
			opts := lab.Options{BGPTransport: tc.transport}
			var errw bytes.Buffer
			err := checkOpenFiles(&errw, m, &opts, tc.asked, lim)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "--bgp-transport memory") {
					t.Errorf("err %v, want one saying %q", err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("err %v", err)
			}
			if opts.BGPTransport != tc.wantTrans || lim.soft != tc.wantSoft {
				t.Errorf("transport %s, soft limit %d; want %s, %d", opts.BGPTransport, lim.soft, tc.wantTrans, tc.wantSoft)
			}
			if note := errw.String(); tc.wantNote == "" && note != "" || !strings.Contains(note, tc.wantNote) {
				t.Errorf("printed %q, want %q", note, tc.wantNote)
			}
		})
	}
}
