package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/intercloud/intercloud/internal/api"
	labdaemon "github.com/intercloud/intercloud/internal/daemon"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "intercloud",
		Short: "Emulate OpenStack clouds joined to an MPLS core, in one process",
		Long: `intercloud describes a service-provider MPLS WAN and the OpenStack clouds
attached to it as a YAML list of links, validates and resolves it (addresses,
ASNs, labels and route targets allocated for you), and draws it.

With no FILE, commands use the built-in seed lab.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("api", "", "lab API address (default 127.0.0.1:4950, or $INTERCLOUD_API)")
	root.PersistentFlags().String("state-dir", defaultStateDir(), "the lab's state: its API token ("+api.TokenFile+"), its clouds' OpenStack database ("+labdaemon.DatabaseFile+") and, detached, its log ($INTERCLOUD_STATE)")
	root.AddCommand(newValidateCmd(), newInspectCmd(), newGraphCmd(), newGenerateCmd(),
		newUpCmd(), newDownCmd(), newStatusCmd(), newPingCmd(), newTraceCmd(), newShowCmd(),
		newLinkCmd(), newImpairCmd(), newCaptureCmd(), newEventsCmd(), newRestartBGPCmd(), newOpenrcCmd(),
		newSRPolicyCmd(), newExportCmd())
	return root
}

// apiAddr is where the lab's API is, from --api, $INTERCLOUD_API or the default.
func apiAddr(cmd *cobra.Command) string {
	flag, _ := cmd.Flags().GetString("api")
	return api.Addr(flag)
}

// stateDir is --state-dir: where up writes the lab's token and every
// other command reads it.
func stateDir(cmd *cobra.Command) string {
	dir, _ := cmd.Flags().GetString("state-dir")
	return dir
}

// client talks to the lab at --api with the token in --state-dir. An
// unreadable token file is reported by the daemon's 401, which says
// where the token comes from.
func client(cmd *cobra.Command) *api.Client {
	tok, _ := api.ReadToken(stateDir(cmd))
	return api.NewClient(apiAddr(cmd), tok)
}

// outputFormat is the -o flag of commands that print tables by default.
type outputFormat struct{ value string }

func (o *outputFormat) register(cmd *cobra.Command, allowed ...string) {
	o.registerDefault(cmd, "table", allowed...)
}

// registerDefault is register for commands whose default output is not
// called table (def should be among allowed).
func (o *outputFormat) registerDefault(cmd *cobra.Command, def string, allowed ...string) {
	cmd.Flags().StringVarP(&o.value, "output", "o", def, "output format: "+strings.Join(allowed, ", "))
	cmd.PreRunE = func(*cobra.Command, []string) error {
		for _, a := range allowed {
			if o.value == a {
				return nil
			}
		}
		return &exitError{code: 2, msg: fmt.Sprintf("intercloud: unknown output format %q (want one of %s)", o.value, strings.Join(allowed, ", "))}
	}
}

// writeStructured prints v as JSON or YAML. YAML goes through JSON so that
// both use the same field names.
func writeStructured(w io.Writer, format string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if format == "json" {
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var tree any
	if err := yaml.Unmarshal(b, &tree); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(tree); err != nil {
		return err
	}
	return enc.Close()
}

// fileArg is the optional FILE argument; "" means the seed lab.
func fileArg(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	return ""
}
