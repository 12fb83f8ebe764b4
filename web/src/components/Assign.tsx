// Assignment of alerts (who works on one), for the Alerts screen: the
// queue's assignee filter, the small "assign to…" form of the detail and of
// bulk actions, the list of known names offered by both, and the reading of
// the assignment entries that the server writes into an alert's history.

import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';

/** The assignee filter's values besides a name: anyone (""), the signed-in user, nobody. */
export const mine = 'me';
export const nobody = '-';
/** The <select> value that asks for a name. */
const byName = '=';

/** datalistID is the id of the <datalist> of known names (see Assignees). */
const datalistID = 'assignees';

/** Assignees lists the names the assign forms and the filter offer as you type. */
export function Assignees(p: { names: string[] }) {
  return (
    <datalist id={datalistID}>
      {p.names.map((n) => (
        <option value={n} />
      ))}
    </datalist>
  );
}

/**
 * AssigneeFilter picks whose alerts the queue shows: anyone, me (when the
 * session has a user name), nobody, or a name typed in. value is the URL's
 * assignee parameter.
 */
export function AssigneeFilter(p: { value: string; me: string; onChange: (v: string) => void }) {
  const value = p.value === mine && !p.me ? '' : p.value;
  const named = value !== '' && value !== nobody && value !== mine;
  const [naming, setNaming] = useState(named);
  const [text, setText] = useState(named ? value : '');
  const box = useRef<HTMLInputElement>(null);
  /** The last value asked for: Enter fires both change and submit. */
  const sent = useRef(value);
  useEffect(() => {
    sent.current = value;
    setNaming(named);
    setText(named ? value : '');
  }, [value]);
  const commit = () => {
    const v = text.trim();
    if (v && v !== sent.current) {
      sent.current = v;
      p.onChange(v);
    }
  };
  return (
    <>
      <label class="field-inline">
        <span class="muted small">{t('assign.filter')}</span>
        <select
          id="assignee"
          value={naming ? byName : value}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (v === byName) {
              setNaming(true);
              setTimeout(() => box.current?.focus());
            } else {
              setNaming(false);
              p.onChange(v);
            }
          }}
        >
          <option value="">{t('assign.anyone')}</option>
          {p.me && <option value={mine}>{t('assign.mine', { user: p.me })}</option>}
          <option value={nobody}>{t('assign.unassigned')}</option>
          <option value={byName}>{t('assign.byName')}</option>
        </select>
      </label>
      {naming && (
        <form
          class="assignee-filter"
          onSubmit={(e) => {
            e.preventDefault();
            commit();
          }}
        >
          <input
            id="assignee-name"
            ref={box}
            list={datalistID}
            value={text}
            maxLength={128}
            size={14}
            aria-label={t('assign.filter')}
            placeholder={t('assign.namePlaceholder')}
            onInput={(e) => setText(e.currentTarget.value)}
            onChange={commit}
          />
        </form>
      )}
    </>
  );
}

/** AssignForm asks for a name to assign to; onSubmit reports whether it worked (the form then closes). */
export function AssignForm(p: { id: string; title: string; busy: boolean; onSubmit: (who: string) => Promise<boolean>; onCancel: () => void }) {
  const [who, setWho] = useState('');
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <form
      class="assign-form"
      data-testid={p.id + '-form'}
      onSubmit={async (e) => {
        e.preventDefault();
        const w = who.trim();
        if (w && (await p.onSubmit(w))) setWho('');
      }}
    >
      <label for={p.id + '-name'}>{p.title}</label>
      <div class="row">
        <input
          id={p.id + '-name'}
          ref={box}
          list={datalistID}
          value={who}
          maxLength={128}
          autocomplete="off"
          onInput={(e) => setWho(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && p.onCancel()}
        />
        <button type="submit" class="primary" id={p.id + '-submit'} disabled={!who.trim() || p.busy}>
          {t('assign.submit')}
        </button>
        <button type="button" onClick={p.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/**
 * assignmentText is the label of an assignment entry of an alert's history
 * (kind "assign", with the assignee before and after); null for a status
 * change.
 */
export function assignmentText(h: { kind?: string; from_assignee?: string; to_assignee?: string }): string | null {
  if (h.kind !== 'assign') return null;
  const s = h.to_assignee ? t('assign.histTo', { who: h.to_assignee }) : t('assign.histOff');
  return h.from_assignee ? s + ' ' + t('assign.histWas', { was: h.from_assignee }) : s;
}
