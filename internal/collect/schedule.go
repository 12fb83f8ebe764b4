package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/sekimori/sekimori/internal/devconfig"
	"github.com/sekimori/sekimori/internal/state"
)

// Credentials are what a collect source needs to log in; stored sealed.
type Credentials struct {
	Token          string `json:"token,omitempty"`
	User           string `json:"user,omitempty"`
	Password       string `json:"password,omitempty"`
	PrivateKey     []byte `json:"private_key,omitempty"`
	EnablePassword string `json:"enable_password,omitempty"`
}

// aad binds sealed credentials to their device.
func aad(deviceID int64) []byte { return fmt.Appendf(nil, "device:%d", deviceID) }

// SealCredentials seals c for a device's collect source.
func SealCredentials(box state.Sealer, deviceID int64, c Credentials) string {
	raw, _ := json.Marshal(c)
	return box.Seal(raw, aad(deviceID))
}

// Scheduler pulls configurations on each source's schedule (daily by
// default) and on demand, keeping each as a generation.
type Scheduler struct {
	st  *state.Store
	box state.Sealer
	log *slog.Logger
	// Tick is how often due sources are looked for (default a minute).
	Tick time.Duration
}

// NewScheduler returns a scheduler; box opens the sealed credentials.
func NewScheduler(st *state.Store, box state.Sealer, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{st: st, box: box, log: log, Tick: time.Minute}
}

// Run pulls due sources until ctx ends. One pull at a time: pulls are
// rare and devices are slow, and a burst of SSH logins helps no one.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.Tick)
	defer t.Stop()
	for {
		sources, err := s.st.CollectSources(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("list collect sources", "err", err)
		}
		now := time.Now()
		for _, src := range sources {
			if now.Sub(src.LastPullAt) < time.Duration(src.EveryHours)*time.Hour {
				continue
			}
			if _, err := s.Pull(ctx, src.DeviceID, "schedule"); err != nil && ctx.Err() == nil {
				s.log.Warn("config pull", "device_id", src.DeviceID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Pull pulls one device's configuration now and keeps it (a new
// generation when it changed). A failed pull is recorded and raises an
// alert; a truncated or malformed one is rejected by devconfig.Keep. For
// FortiOS over the API the policy hit counters are fetched too.
func (s *Scheduler) Pull(ctx context.Context, deviceID int64, actor string) (devconfig.Result, error) {
	t, src, err := s.target(ctx, deviceID)
	if err != nil {
		return devconfig.Result{}, err
	}
	dev, err := s.st.DeviceByID(ctx, []uint32{src.TenantID}, deviceID)
	if err != nil {
		return devconfig.Result{}, err
	}
	p, err := PullConfig(ctx, t)
	_ = s.st.MarkPulled(ctx, deviceID, time.Now(), p.HostKeySHA256)
	if err != nil {
		reason := err.Error()
		_ = s.st.RecordConfigPull(ctx, state.ConfigPull{DeviceID: dev.ID, TenantID: dev.TenantID, Method: src.Method, Actor: actor,
			Outcome: state.PullFailed, Reason: reason})
		_ = s.st.RecordMatches(ctx, []state.Match{{TenantID: dev.TenantID, GroupKey: fmt.Sprintf("config|config:pull-failed|%d", dev.ID),
			Kind: "config", RuleID: "config:pull-failed", RuleName: "configuration pull failed: " + reason, Severity: "medium",
			Device: dev.Name, Time: time.Now(), Details: map[string]string{"reason": reason, "method": src.Method}}})
		return devconfig.Result{}, err
	}
	res, err := devconfig.Keep(ctx, s.st, dev, p.Data, src.Method, actor)
	if err != nil {
		return res, err
	}
	if t.Kind == devconfig.KindFortiOS && src.Method == MethodAPI {
		if hits, err := PolicyHits(ctx, t); err == nil {
			out := make([]state.PolicyHits, len(hits))
			for i, h := range hits {
				out[i] = state.PolicyHits{VDOM: h.VDOM, PolicyID: h.PolicyID, Hits: h.Hits, FirstUsed: h.FirstUsed, LastUsed: h.LastUsed, Bytes: h.Bytes}
			}
			if err := s.st.SetPolicyHits(ctx, dev.ID, out); err != nil {
				return res, err
			}
		} else {
			s.log.Warn("policy hit counters", "device", dev.Name, "err", err)
		}
	}
	return res, nil
}

// RestoreResult says how an approved restore went.
type RestoreResult struct {
	Restore state.ConfigRestore `json:"restore"`
	// Differences between the generation and what the device reports
	// after the push (none when verified).
	Differences []string `json:"differences,omitempty"`
}

// Approve approves restore request id as actor (who must not be the one
// who asked) and runs it: a backup pull first, the push, then a read-back
// pull compared with the generation (secrets masked, header aside: the
// device's own firmware line stays). The outcome is recorded on the
// request; the backup and the read-back are kept as generations.
func (s *Scheduler) Approve(ctx context.Context, tenants []uint32, id int64, actor string) (RestoreResult, error) {
	req, err := s.st.DecideRestore(ctx, tenants, id, true, actor)
	if err != nil {
		return RestoreResult{Restore: req}, err
	}
	fail := func(err error) (RestoreResult, error) {
		_ = s.st.FinishRestore(ctx, id, false, req.BackupGeneration, false, err.Error())
		req.Status, req.Result = state.RestoreFailed, err.Error()
		return RestoreResult{Restore: req}, err
	}
	backup, err := s.Pull(ctx, req.DeviceID, "restore-backup:"+actor)
	if err != nil {
		return fail(fmt.Errorf("backup before the restore: %w", err))
	}
	req.BackupGeneration = backup.Generation.Gen
	g, target, err := s.st.ConfigContent(ctx, []uint32{req.TenantID}, req.DeviceID, req.Generation)
	if err != nil {
		return fail(err)
	}
	t, _, err := s.target(ctx, req.DeviceID)
	if err != nil {
		return fail(err)
	}
	if err := PushConfig(ctx, t, target); err != nil {
		return fail(fmt.Errorf("push generation %d: %w", req.Generation, err))
	}
	after, err := PullConfig(ctx, t)
	if err != nil {
		return fail(fmt.Errorf("read back after the push: %w", err))
	}
	diff := devconfig.Compare(devconfig.Kind(g.Kind), target, after.Data).Semantic
	res := RestoreResult{Differences: diff}
	dev, err := s.st.DeviceByID(ctx, []uint32{req.TenantID}, req.DeviceID)
	if err != nil {
		return fail(err)
	}
	if _, err := devconfig.Keep(ctx, s.st, dev, after.Data, t.Method, "restore-readback:"+actor); err != nil {
		return fail(fmt.Errorf("keep the read-back: %w", err))
	}
	result := fmt.Sprintf("generation %d pushed after backup generation %d; read-back matches", req.Generation, req.BackupGeneration)
	if len(diff) > 0 {
		result = fmt.Sprintf("generation %d pushed after backup generation %d; read-back differs in %d places", req.Generation, req.BackupGeneration, len(diff))
	}
	if err := s.st.FinishRestore(ctx, id, true, req.BackupGeneration, len(diff) == 0, result); err != nil {
		return res, err
	}
	req.Status, req.Verified, req.Result = state.RestoreDone, len(diff) == 0, result
	res.Restore = req
	return res, nil
}

// target builds the pull target of a device from its collect source.
func (s *Scheduler) target(ctx context.Context, deviceID int64) (Target, state.CollectSource, error) {
	src, err := s.st.CollectSourceOf(ctx, deviceID)
	if err != nil {
		return Target{}, src, err
	}
	raw, err := s.box.Open(src.Credentials, aad(deviceID))
	if err != nil {
		return Target{}, src, fmt.Errorf("credentials of device %d: %w", deviceID, err)
	}
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return Target{}, src, fmt.Errorf("credentials of device %d: %w", deviceID, err)
	}
	return Target{
		Kind: devconfig.Kind(src.Kind), Address: src.Address, Method: src.Method, VDOM: src.VDOM,
		Token: c.Token, User: c.User, Password: c.Password, PrivateKey: c.PrivateKey, EnablePassword: c.EnablePassword,
		HostKeySHA256: src.HostKey, TrustOnFirstUse: src.HostKey == "", TLSFingerprintSHA256: src.TLSSHA256, Insecure: src.Insecure,
	}, src, nil
}
