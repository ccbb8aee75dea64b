// The scripted panel (tests/scenarios/cstd-2022-panel.jsonl) run from the
// chair's console with the keyboard only, in Chromium: the chair opens the
// meeting, starts each item and changes the speaker with single keys; the
// participants, the moderator's question work and the rapporteur act from
// their own links (over HTTP, as their own devices would). The test counts
// the keys pressed between one speaker and the next: one each, the planned
// speakers of the opening, the report, the presentations and the closing
// included (they are on the list), and a panelist's answer to a question
// put to them. Starting an item while someone speaks asks first (Enter
// confirms); closing the meeting, reached with Tab, asks first too. The bar
// with the floor, the clock and the next speaker stays in view while the
// console scrolls.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { ROOT, launch, startServer, openPage, waitSeq, check, eq, run, gavel, postCommand } = require('./lib');

const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'cstd-2022-panel.jsonl');
const PRESIDING = new Set(['chair', 'moderator']);

// A command from `as`'s own device; a refusal names who was refused.
function post(srv, token, as, cmd) {
  return postCommand(srv, token, cmd).catch((e) => { throw new Error(`${as}: ${e.message}`); });
}

// The ids the scenario's questions had when it was written, in the order they were asked.
function scriptedQuestionIds() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gavel-scenario-'));
  const db = path.join(dir, 'panel.db');
  try {
    gavel(['init', '--db', db, '--at', '1648726200000']); // before the script's first line
    gavel(['apply', '--db', db, SCENARIO]);
    const st = JSON.parse(gavel(['state', '--db', db, '--meeting', 'cstd25-wsis-panel']));
    return st.questions.map((q) => q.question).sort((a, b) => a - b);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const lines = fs.readFileSync(SCENARIO, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => JSON.parse(l));
  const scripted = scriptedQuestionIds();
  const qmap = new Map(); // scripted question id -> the id it has in this run
  const srv = await startServer();
  const tokens = {};
  const token = (who) => {
    if (!tokens[who]) tokens[who] = srv.invite(who).split('/join/')[1];
    return tokens[who];
  };
  const browser = await launch();
  try {
    const chair = await openPage(browser, srv.links.chair, { lang: 'en' });
    await chair.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    let keys = 0;          // keys pressed since the scripted end of a speech (or an item's start)
    const perChange = [];  // keys each change of speaker took
    let speech = null;
    const seq = async () => Number(await chair.evaluate(() => document.body.dataset.seq));
    const settle = async () => waitSeq(chair, srv.state().seq);
    // A key on the console; waits until the page shows what it did.
    const press = async (k) => {
      await settle(); // the page shows all there is before the chair acts on it
      const before = await seq();
      keys++;
      await chair.keyboard.press(k);
      await waitSeq(chair, before + 1);
      const st = srv.state();
      await waitSeq(chair, st.seq);
      const now = st.floor.speech ? st.floor.speech.speech : null;
      if (now && now !== speech) { perChange.push(keys); keys = 0; }
      speech = now;
    };
    // S while someone speaks asks first: Enter confirms.
    const startNext = async (item) => {
      await settle();
      const before = await seq();
      if (srv.state().floor.speech) {
        await chair.keyboard.press('s');
        await chair.waitForFunction((i) => document.activeElement && document.activeElement.dataset.key === `start-${i}-yes`, item);
        await chair.keyboard.press('Enter');
      } else {
        await chair.keyboard.press('s');
      }
      await waitSeq(chair, before + 1);
      const st = srv.state();
      eq(st.current_item, item, `S starts ${item}`);
      await waitSeq(chair, st.seq);
      speech = st.floor.speech ? st.floor.speech.speech : null;
      keys = 0;
    };

    // What the scenario's chair and moderator do, by key; the others post.
    for (const line of lines) {
      const { as } = line;
      const cmd = { ...line.command };
      for (const k of ['question', 'into']) if (qmap.has(cmd[k])) cmd[k] = qmap.get(cmd[k]);
      if (cmd.type === 'ask_question') {
        const ack = await post(srv, token(as), as, cmd);
        qmap.set(scripted[qmap.size], ack.first_seq);
        continue;
      }
      if (!PRESIDING.has(as)) { await post(srv, token(as), as, cmd); continue; }
      switch (cmd.type) {
        case 'open_meeting': await press('o'); break;
        case 'start_item': await startNext(cmd.item); break;
        case 'give_floor':
        case 'next_speaker':
          await press(cmd.answer_to ? 'a' : 'n');
          if (!srv.state().floor.speech) throw new Error(`${JSON.stringify(line)}: nobody has the floor; page: ${await chair.textContent('#message')} ${await chair.textContent('#floor-bar')}`);
          eq(srv.state().floor.speech.person, cmd.person || srv.state().floor.speech.person, 'the key gave the floor to the scripted speaker');
          if (cmd.person) eq(srv.state().floor.speech.person, cmd.person, `${cmd.type} ${cmd.person}`);
          break;
        case 'end_speech': keys = 0; break; // the next key ends it: the change starts here
        case 'pause_speech':
        case 'resume_speech': await press('p'); break;
        case 'extend_speech': await press('m'); break;
        case 'close_meeting': break;
        default: await post(srv, token(as), as, cmd); await settle(); // questions, guiding questions
      }
    }
    await settle();

    // Every change of speaker took one key.
    const st = srv.state();
    const changes = st.speeches.length;
    eq(perChange.length, changes, 'every speech was counted');
    eq(perChange.filter((n) => n !== 1), [], `one key per change of speaker (${changes} changes)`);
    eq(st.speeches.map((s) => s.person).slice(0, 8), ['chair', 'secretariat', 'chen', 'diallo', 'restrepo', 'ekberg', 'haddad', st.speeches[7].person],
      'the planned speakers spoke in their order');
    const answer = st.speeches.find((s) => s.answer_to);
    check(answer && answer.person === 'haddad', 'the panelist answered the question put to them');

    // The bar stays in view while the console scrolls.
    await chair.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await chair.waitForFunction(() => window.scrollY > 200);
    const bar = await chair.locator('#floor-bar').boundingBox();
    check(bar && bar.y >= 0 && bar.y < 20, `the floor bar stays at the top: y=${bar && bar.y}`);
    check(await chair.isVisible('#bar-clock .clock'), 'the clock is in the bar');
    eq(await chair.textContent('#bar-speaker'), st.floor.speech.name, 'the bar names the speaker');

    // Closing the meeting is away from the item's controls and asks first.
    eq(await chair.$$eval('#item-actions #btn-close', (l) => l.length), 0, 'close is not beside the item controls');
    await chair.evaluate(() => window.scrollTo(0, 0));
    await chair.evaluate(() => document.activeElement && document.activeElement.blur());
    let reached = false;
    for (let i = 0; i < 200 && !reached; i++) {
      await chair.keyboard.press('Tab');
      reached = await chair.evaluate(() => document.activeElement && document.activeElement.dataset.key === 'close-meeting');
    }
    check(reached, 'Tab reaches "Close the meeting"');
    await chair.keyboard.press('Enter');
    await chair.waitForFunction(() => document.activeElement && document.activeElement.dataset.key === 'close-meeting-yes');
    check(/cannot be opened again/.test(await chair.textContent('[data-confirm="close-meeting"]')), 'the question says it cannot be undone');
    eq(srv.state().status, 'open', 'asking closes nothing');
    const before = await seq();
    await chair.keyboard.press('Enter');
    await waitSeq(chair, before + 1);
    eq(srv.state().status, 'closed', 'the meeting is closed once confirmed');
    eq(chair.problems, [], 'console: no page errors or CSP refusals');
    console.log(`${changes} changes of speaker, one key each; the meeting closed after its confirmation`);
  } finally {
    await browser.close();
    await srv.stop();
  }
}

run('browser/console', main);
