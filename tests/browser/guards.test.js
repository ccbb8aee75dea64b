// The room in use, page by page, in Chromium against a real server:
// - the participant's status line says where they stand, redrawn from the
//   state: not checked in, on the list (place and why), has the floor (with
//   the clock), declined (with the chair's reason), not on the list;
// - "Leave" asks first and withdraws the request, which leaves the chair's list;
// - the console's destructive actions ask first and can be undone: decline
//   (with a reason), dismiss; giving the floor while someone speaks is one
//   action;
// - questions: the moderator edits, merges and shows one on the room screen
//   and the overlay; an answered question takes no votes;
// - a refusal speaks the reader's language and names no internal id (a
//   moderator's console in French, through a cut network, declines a request
//   the chair has meanwhile given the floor to);
// - the panelist's page labels the asker's place and the warning as a
//   countdown reads them;
// - the participant role link offers only participants.
'use strict';
const { launch, openPage, waitSeq, check, eq, run, postCommand: post } = require('./lib');
const { serverBehindProxy } = require('./netproxy');

const PHONE = { width: 390, height: 844 };
const status = (p) => p.textContent('#status-line');
const untilStatus = (p, re) => p.waitForFunction((src) => new RegExp(src).test(document.getElementById('status-line').textContent), re.source, { timeout: 10000 });

async function main() {
  const { srv, proxy, direct } = await serverBehindProxy({
    commands: ['{"type":"open_meeting"}', '{"type":"start_item","item":"discussion"}',
      '{"as":"lin","command":{"type":"join"}}', '{"as":"aldoria","command":{"type":"check_in"}}'].join('\n') + '\n',
  });
  const chairLink = direct(srv.links.chair);
  const browser = await launch();
  try {
    const chair = await openPage(browser, chairLink, { lang: 'en' });
    const bex = await openPage(browser, direct(srv.invite('bexland')), { lang: 'en' }, PHONE);
    const lin = await openPage(browser, direct(srv.invite('lin')), { lang: 'en' }, PHONE);
    for (const p of [chair, bex, lin]) await p.waitForSelector('#conn[data-status="live"]', { state: 'attached' });

    // ---- the status line, from the state -----------------------------------------
    await untilStatus(bex, /not checked in/);
    await bex.click('#btn-join');
    await untilStatus(bex, /not on the speakers' list/);
    await lin.click('#req-go');
    await bex.click('#req-go');
    await untilStatus(bex, /You are on the list: 2 of 2/);
    check(/why: /.test(await status(bex)), `the status line says why: ${await status(bex)}`);
    // Given the floor: "You have the floor", with the clock.
    await chair.waitForSelector('#btn-next:not([disabled])');
    await chair.click('#btn-next');
    await untilStatus(lin, /You have the floor/);
    await lin.waitForFunction(() => /\d+:\d\d/.test(document.getElementById('status-clock').textContent));
    await untilStatus(bex, /You are on the list: 1 of 1/);

    // ---- giving the floor while someone speaks: one action -----------------------
    let st = srv.state();
    await waitSeq(chair, st.seq);
    const bexReq = st.floor.list.find((r) => r.person === 'bexland').request;
    await chair.click(`[data-key="give-${bexReq}"]`);
    await untilStatus(bex, /You have the floor/);
    await untilStatus(lin, /You have spoken on this item/);
    st = srv.state();
    eq(st.speeches.map((s) => [s.person, s.ended_at_ms !== null]), [['lin', true], ['bexland', false]], 'one click ended lin\'s speech and gave bexland the floor');
    check(await chair.isHidden('#message'), 'no refusal on the console');

    // ---- decline asks first, with a reason, and can be undone -------------------------
    await chair.click('#btn-end');
    await lin.click('#req-go');
    st = srv.state();
    await waitSeq(chair, st.seq);
    const linReq = st.floor.list[0].request;
    await chair.click(`[data-key="decline-${linReq}"]`);
    await chair.waitForSelector(`[data-confirm="decline-${linReq}"]`);
    eq(srv.state().floor.list.length, 1, 'asking declines nothing');
    await chair.fill(`#reason-${linReq}`, 'Raised already by another delegation');
    await chair.click(`[data-key="decline-${linReq}-yes"]`);
    await untilStatus(lin, /declined your request for the floor: Raised already by another delegation/);
    await chair.waitForSelector('#btn-undo');
    check(/was declined/.test(await chair.textContent('#list-undo')), 'the console says what the undo takes back');
    await chair.click('#btn-undo');
    await untilStatus(lin, /You are on the list: 1 of 1/);

    // ---- "Leave" asks first and withdraws the request ------------------------------------
    await lin.click('#btn-leave');
    await lin.waitForSelector('[data-confirm="leave"]');
    check(/request for the floor will be withdrawn/.test(await lin.textContent('[data-confirm="leave"]')), 'leaving says the request goes');
    await lin.click('[data-key="leave-yes"]');
    await untilStatus(lin, /not checked in/);
    st = srv.state();
    eq(st.floor.list.filter((r) => r.person === 'lin').length, 0, 'the request left the list with its person');
    await waitSeq(chair, st.seq);
    eq(await chair.$$eval('#list > li[data-person="lin"]', (l) => l.length), 0, 'the chair\'s list no longer shows them');

    // ---- questions: edit, merge, show on the screen; answered takes no votes --------------
    const screen = await openPage(browser, direct(srv.links.viewer), { lang: 'en' }, { width: 1920, height: 1080 });
    const overlay = await openPage(browser, direct(srv.links.viewer), { lang: 'en' }, { width: 1280, height: 720 });
    await overlay.goto(overlay.url().replace(/\/screen(\?|$)/, '/overlay$1'));
    await overlay.waitForSelector('body[data-seq]', { state: 'attached' });
    const a = await post(srv, direct(srv.invite('aldoria')), { type: 'ask_question', text: 'How wil the fund be finnanced?' });
    const b = await post(srv, direct(srv.invite('corvania')), { type: 'ask_question', text: 'Who pays for the fund?' });
    const qa = a.first_seq;
    const qb = b.first_seq;
    await post(srv, chairLink, { type: 'approve_question', question: qa });
    await post(srv, chairLink, { type: 'approve_question', question: qb });
    await waitSeq(chair, srv.state().seq);
    await chair.click(`[data-key="edit-${qa}"]`);
    await chair.fill(`#edit-${qa}`, 'How will the fund be financed?');
    await chair.click(`[data-key="save-${qa}"]`);
    await chair.waitForFunction((q) => /How will the fund be financed\?/.test(document.querySelector(`#questions [data-question="${q}"]`).textContent), qa);
    await chair.selectOption(`#merge-${qb}`, String(qa));
    await chair.waitForFunction((q) => !document.querySelector(`#questions [data-question="${q}"]`), qb);
    eq(srv.state().questions.find((q) => q.question === qb).merged_into, qa, 'the duplicate was merged');
    await chair.click(`[data-key="screen-${qa}"]`);
    await screen.waitForFunction(() => /How will the fund be financed\?/.test(document.getElementById('shown-q-text').textContent));
    check(await screen.isVisible('#shown-q'), 'the room screen shows the question');
    await overlay.waitForFunction(() => /How will the fund be financed\?/.test(document.getElementById('ov-q-text').textContent));
    check(await overlay.isVisible('#ov-question'), 'the overlay shows the question');
    await bex.waitForSelector(`[data-key="vote-${qa}"]`);
    await bex.click(`[data-key="vote-${qa}"]`);
    await bex.waitForFunction((q) => document.querySelector(`[data-key="vote-${q}"]`).getAttribute('aria-pressed') === 'true', qa);
    // Dismiss asks first; undo brings it back.
    await chair.click(`[data-key="dismiss-${qa}"]`);
    await chair.click(`[data-key="dismiss-${qa}-yes"]`);
    await screen.waitForFunction(() => document.getElementById('shown-q').hidden);
    await chair.waitForSelector('#btn-undo-dismiss');
    await chair.click('#btn-undo-dismiss');
    await bex.waitForSelector(`[data-key="vote-${qa}"]`);
    // Answered: no more votes, and the page offers none.
    await post(srv, chairLink, { type: 'mark_answered', question: qa });
    await bex.waitForFunction((q) => !document.querySelector(`[data-key="vote-${q}"]`) && /answered/.test(document.querySelector(`#questions [data-question="${q}"]`).textContent), qa);
    let refused = null;
    try { await post(srv, direct(srv.invite('dunmere')), { type: 'upvote', question: qa }); } catch (e) { refused = e.message; }
    check(refused && /answered/.test(refused), `an answered question takes no votes: ${refused}`);

    // ---- a refusal in the reader's language, without internal ids ----------------------
    const mod = await openPage(browser, srv.links.moderator || srv.links.chair, { lang: 'fr' });
    await mod.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    await post(srv, direct(srv.invite('aldoria')), { type: 'request_floor' });
    st = srv.state();
    await waitSeq(mod, st.seq);
    const aldReq = st.floor.list.find((r) => r.person === 'aldoria').request;
    proxy.setCut(true);
    await mod.click(`[data-key="decline-${aldReq}"]`);
    await mod.click(`[data-key="decline-${aldReq}-yes"]`);
    await post(srv, chairLink, { type: 'give_floor', request: aldReq });
    proxy.setCut(false);
    await mod.waitForFunction(() => !document.getElementById('message').hidden, null, { timeout: 30000 });
    const msg = await mod.textContent('#message');
    eq(msg, 'Cette demande n’est plus sur la liste.', 'the refusal is in French');
    check(!/\d/.test(msg), 'the refusal names no id');
    eq(srv.state().floor_requests.find((r) => r.request === aldReq).status, 'granted', 'the refused decline changed nothing');

    // ---- the panelist's labels ----------------------------------------------------------
    const haddad = await openPage(browser, direct(srv.invite('haddad')), { lang: 'en' }, PHONE);
    await post(srv, chairLink, { type: 'end_speech' });
    await post(srv, direct(srv.invite('qasimar')), { type: 'request_floor' });
    await post(srv, direct(srv.invite('estavia')), { type: 'request_floor', kind: 'question', to: 'haddad' });
    await post(srv, chairLink, { type: 'give_floor', person: 'haddad', limit_ms: 420000, warning_ms: 300000 });
    await haddad.waitForFunction(() => /remain/.test(document.getElementById('warn-line').textContent));
    eq(await haddad.textContent('#warn-line'), 'Warning when 2:00 remain · limit 7:00', 'the warning reads as the countdown does');
    const place = await haddad.textContent('#to-you .asker-place');
    eq(place, '2 of 2 on the speakers\' list', 'the asker\'s place is theirs, not the panelist\'s');
    check(!/Your place/.test(await haddad.textContent('#to-you')), 'no "Your place" under "Questions to you"');

    // ---- the participant role link offers only participants ---------------------------
    const role = await openPage(browser, direct(srv.links.participant), { lang: 'en' }, PHONE);
    await role.waitForSelector('#who a');
    const offered = await role.$$eval('#who a', (l) => l.map((a) => new URLSearchParams(a.getAttribute('href').slice(1)).get('as')));
    const participants = srv.state().people.filter((p) => p.roles.includes('participant')).map((p) => p.id);
    eq(offered.sort(), participants.sort(), 'the chooser offers the participants, and only them');

    for (const [n, p] of Object.entries({ chair, bex, lin, screen, overlay, mod, haddad, role })) eq(p.problems, [], `${n}: no page errors or CSP refusals`);
    console.log('status line, leave, decline, dismiss, edit, merge, screen, answered, refusal, panelist and chooser checked');
  } finally {
    await browser.close();
    await srv.stop();
    await proxy.stop();
  }
}

run('browser/guards', main);
