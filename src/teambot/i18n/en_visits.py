"""English messages for consultant visits, the årshjul and the småbørnscafé."""

MESSAGES: dict[str, str] = {
    # commands
    "cmd.hvem.usage": "/teambot hvem [institution]",
    "cmd.hvem.summary": (
        "Shows the fixed consultant of each discipline at the institution (yours if you name none), and who gets "
        "the messages today."
    ),
    "cmd.besoeg.usage": "/teambot besøg [year] [institution | alle]",
    "cmd.besoeg.summary": (
        "Shows the year's plan of consultant visits week by week: yours, one institution's or the whole "
        "municipality's (`alle`)."
    ),
    "cmd.tema.usage": "/teambot tema <institution> [text]",
    "cmd.tema.summary": (
        "Adds a theme from the parents to the institution's next consultant visit, e.g. "
        "`/teambot tema SOL Sleep and good routines`. Without text: shows the themes so far."
    ),
    "cmd.cafe.usage": "/teambot café [institution] | børn <month> <count> | tekst",
    "cmd.cafe.summary": (
        "The toddler café: `café` shows the cafés and who is coming; `café børn 2027-03 4` records how many children "
        "turn 1½ in the month (counts only); `café tekst` gives an invitation for parents to post on Aula."
    ),
    # disciplines in definite form, for running text
    "role.definite.psykolog": "the psychologist",
    "role.definite.tale-hørekonsulent": "the speech and hearing consultant",
    "role.definite.sundhedsplejerske": "the health visitor",
    "role.definite.småbørnskonsulent": "the early-years consultant",
    "role.definite.fysioterapeut": "the physiotherapist",
    "role.definite.socialrådgiver": "the social worker",
    "role.definite.pædagog": "the pædagog",
    "role.definite.leder": "the lead",
    # why lines
    "why.visit.assigned": "You get this message because you are the {role} for {institution}.",
    "why.visit.substitute": "You get this message because you stand in for {name} ({role} for {institution}).",
    "why.visit.lead_fallback": (
        "You get this message because you lead {institution} and there is no {role} who can receive it."
    ),
    "why.visit.lead_fallback_substitute": (
        "You get this message because you stand in for {name} (lead of {institution}) and there is no {role} who "
        "can receive it."
    ),
    "why.visit.channel": "You get this message because this channel belongs to {institution}.",
    "why.visit.lead": "You get this message because you lead {institution}, which has no channel in teambot.",
    "why.visit.lead_of": "You get this message because you lead {institution}.",
    "why.visit.was_yours": "You get this message because you were told the visit was yours.",
    "why.visit.told_parents": "You get this message because the parents were told that you come.",
    "why.cafe.lead": "You get this message because you lead {institution}.",
    "why.cafe.lead_away": (
        "You get this message because you lead {institution} and nobody stands in for you while you are away."
    ),
    "why.cafe.stand_in": "You get this message because you step in for {name} ({role} for {institution}).",
    "why.cafe.district": (
        "You get this message because you are a {role} in the district and {institution} has no fixed {role} "
        "who can come."
    ),
    # /teambot hvem
    "who.title": "*Who is who · {institution} ({code})* · district {district}",
    "who.leads": "• lead: {names}",
    "who.none": "none",
    "who.line": "• {role}: {name} ({scope})",
    "who.scope_institution": "fixed for the institution",
    "who.scope_district": "for district {district}",
    "who.no_one": "• {role}: nobody fixed — messages go to the lead",
    "who.absent_substitute": " — absent until {end}; substitute: {name}",
    "who.absent": " — absent until {end}; messages go to the lead",
    "who.footer": "_Absences and substitutes are recorded with `/teambot fravær`._",
    "who.which": (
        "Name the institution, e.g. `/teambot hvem SOL` or `/teambot hvem Solsikken`. "
        "See them all with `/teambot institutioner`."
    ),
    # the årshjul
    "visit.unknown_institution": (
        "I don't know the institution «{text}». Write its code or name, e.g. SOL or Solsikken. Institutions: {codes}."
    ),
    "visit.unknown_institution_saving": (
        "I don't know the institution «{text}». Write its code or name, e.g. SOL or Solsikken. "
        "Institutions: {codes}. Nothing was saved."
    ),
    "visit.bad_year": "I don't understand the year «{text}». Write e.g. `/teambot besøg 2027`.",
    "visit.week": "week {week}",
    "visit.week_of_year": "week {week} ({year})",
    "visit.wheel_title": "*Year plan {year} · consultant visits{scope}*",
    "visit.scope_all": "the whole municipality",
    "visit.quarter": "*Quarter {n}*",
    "visit.wheel_line": "{week}: {institution} — {name} ({role}) · {date}{state}",
    "visit.state_confirmed": " · confirmed",
    "visit.state_moved": " · moved",
    "visit.state_instead": " · {name} instead",
    "visit.state_leads": " · no substitute",
    "visit.more": "… and {n} more visits. Pick an institution, e.g. `/teambot besøg {year} SOL`.",
    "visit.none_mine": (
        "You have no consultant visits in the {year} plan. See the whole municipality's with "
        "`/teambot besøg {year} alle`."
    ),
    "visit.none_here": "{institution} has no consultant visits in the {year} plan.",
    "visit.not_planned": (
        "The {year} plan has not been made yet. teambot makes it from {october}, or an administrator can run "
        "`teambot plan visits --year {year}`."
    ),
    # visit messages
    "visit.button.confirm": "Confirm",
    "visit.button.move": "Move",
    "visit.confirm_headline": "🩺 Consultant visit to {institution} {date} ({week})",
    "visit.confirm_body": (
        "Does the day suit you? Confirm it, or move the visit to another working day in the quarter. "
        "The institution gets a text for the parents {notice}."
    ),
    "visit.notice_headline": "🩺 Consultant visit {date}: {who} comes to {institution}.",
    "visit.notice_moved": "🔁 The consultant visit has moved to {date}: {who} comes to {institution}.",
    "visit.notice_handed": "🔁 A change to the consultant visit {date}: {who} comes to {institution} instead of {old}.",
    "visit.notice_handed_unnamed": "🔁 A change to the consultant visit {date}: {who} comes to {institution}.",
    "visit.notice_handed_nobody": (
        "🔁 A change to the consultant visit {date}: {old} cannot come to {institution}, and nobody stands in. "
        "Move the visit, or tell the parents who comes."
    ),
    "visit.notice_post_again": "Here is a new text for the parents, replacing the last one, ready to post on Aula:",
    "visit.handed_to": "🔁 The consultant visit to {institution} {date} is no longer yours: {name} comes instead.",
    "visit.handed_lead": "🔁 The consultant visit to {institution} {date}: {name} comes and now gets its messages.",
    "visit.handed_to_leads": (
        "🔁 The consultant visit to {institution} {date} is no longer yours. No {role} has it now, so the lead gets "
        "its messages."
    ),
    "visit.taken": "🔁 You come to the consultant visit to {institution} {date}.",
    "visit.taken_parents": "The institution gets a new text for the parents naming you.",
    "visit.handed_parents": "The institution gets a new text for the parents.",
    "visit.visitor": "{name} ({role})",
    "visit.someone": "a {role}",
    "visit.notice_post": "Here is a text for the parents, ready to post on Aula:",
    "visit.parents_arrival_named": "On {date} our {role}, {name}, visits {institution}.",
    "visit.parents_arrival": "On {date} our {role} visits {institution}.",
    "visit.parents_text": (
        "Dear parents\n"
        "{arrival} {definite} advises the staff on the children's health and well-being, and you are welcome to "
        "suggest topics — for example sleep, food and meals, hygiene, motor skills or language.\n"
        "Please send us your suggestions by {deadline}.\n"
        "\n"
        "Kind regards\n"
        "{institution}"
    ),
    "visit.notice_themes": (
        "Add the parents' suggestions with `/teambot tema {code} <text>` — {definite} gets them {n} working days "
        "before the visit."
    ),
    "visit.reminder_headline": "🩺 Reminder: consultant visit to {institution} {date}",
    "visit.reminder_themes": "Themes from the parents ({n}):",
    "visit.reminder_no_themes": "The parents have not suggested any themes.",
    "visit.moved_notice": "🔁 The consultant visit to {institution} has moved from {old} to {date} by {name}.",
    "visit.moved_not_yours": "The visit is no longer yours: {name} comes that day.",
    "visit.moved_not_yours_leads": "The visit is no longer yours: no {role} has it that day, so the lead gets its messages.",
    "visit.closed_day_notice": (
        "🔁 The consultant visit to {institution} has moved from {old} to {date}: {old} has become a closing day at"
        " the institution."
    ),
    # visit buttons and the move modal
    "visit.moved_answer": (
        "The visit to {institution} has moved to {date}, so that button no longer applies. "
        "Write `/teambot besøg` to see the plan. Nothing was saved."
    ),
    "visit.gone": "That visit no longer exists. Write `/teambot besøg` to see the plan. Nothing was saved.",
    "visit.not_yours": (
        "Only the visiting consultant and the lead of {institution} can confirm or move the visit. Nothing was saved."
    ),
    "visit.passed": "The visit to {institution} on {date} is over. Nothing was saved.",
    "visit.confirmed": "✅ You confirmed the consultant visit to {institution} {date}.",
    "visit.move_hint": "Pick the new day for the visit to {institution}.",
    "visit.modal.title": "Move visit",
    "visit.modal.submit": "Save",
    "visit.modal.close": "Cancel",
    "visit.modal.new_date": "New date",
    "visit.modal.about": "The {role} visit to *{institution}* {date} (quarter {quarter})",
    "visit.bad_date": "I don't understand the date «{text}». Pick one in the calendar. Nothing was saved.",
    "visit.same_day": "The visit is already on {date}. Nothing was saved.",
    "visit.move_past": "{date} has passed. Pick a day from today on. Nothing was saved.",
    "visit.move_quarter": (
        "{date} is outside the visit's quarter. Pick a day from {first} to {last}, so the institution still gets "
        "one visit in quarter {quarter} of {year}. Nothing was saved."
    ),
    "visit.move_closed": (
        "{date} is not a working day at the institution (weekend, public holiday or closing day). Pick another day. "
        "Nothing was saved."
    ),
    "visit.move_clash": "{name} already has a visit on {date} (at {institution}). Pick another day. Nothing was saved.",
    "visit.moved": "🔁 The consultant visit to {institution} has moved to {date}. {n} are told.",
    # /teambot tema
    "theme.usage": "Write e.g. `/teambot tema SOL Sleep and good routines` (institution and theme). Nothing was saved.",
    "theme.no_visit": "{institution} has no upcoming consultant visit to add themes to. Nothing was saved.",
    "theme.not_yours": "Only the staff of {institution} and the visiting consultant can add themes. Nothing was saved.",
    "theme.too_long": "The theme is {n} characters; at most {max} are allowed. Make it shorter. Nothing was saved.",
    "theme.duplicate": "The theme «{text}» is already there. Nothing was saved.",
    "theme.full": "The visit already has {max} themes; more cannot be covered. Nothing was saved.",
    "theme.added": (
        "📝 The theme «{text}» was added to the visit of {definite} to {institution} {date}. Themes so far: {n}."
    ),
    "theme.already_reminded": "{who} has already had the reminder with the themes, so please pass this one on yourself.",
    "theme.list_title": "*Themes for the {role} visit to {institution} {date}*",
    "theme.list_empty": "No themes yet. Add one with `/teambot tema {code} <text>`.",
    # the småbørnscafé: messages
    "cafe.and": " and ",
    "cafe.closed_day_notice": (
        "🔁 The toddler café at {institution} has moved from {old} to {date} {time}: {old} has become a closing day"
        " at the institution."
    ),
    "cafe.closed_day_invited": "You will get a new invitation for the new day.",
    "cafe.closed_day_released": "You are not invited for the new day.",
    "cafe.closed_day_parents": "Tell the parents about the new day on Aula: `/teambot café tekst {code}`.",
    "cafe.headline": "☕ Toddler café at {institution} {date} {time}",
    "cafe.title": "the toddler café at {institution} {date} {time}",
    "cafe.invite_body": (
        "For the {n} children turning 1½ in {months}, and their parents. The health visitor, early-years "
        "consultant, physiotherapist and speech and hearing consultant are invited along with the institution's "
        "pædagoger."
    ),
    "cafe.invite_body.one": (
        "For the child turning 1½ in {months}, and the parents. The health visitor, early-years "
        "consultant, physiotherapist and speech and hearing consultant are invited along with the institution's "
        "pædagoger."
    ),
    "cafe.lead_post": "Here is an invitation for the parents, ready to post on Aula:",
    "cafe.parents_text": (
        "Dear parents\n"
        "We are holding a toddler café on {date} {time} at {institution} for children turning 1½ in {months}, "
        "and their families. You can meet {professions} and talk with them and with us about your child's "
        "well-being, language and motor skills. Brothers and sisters are welcome too.\n"
        "Please let us know whether you are coming.\n"
        "\n"
        "Kind regards\n"
        "{institution}"
    ),
    "cafe.lead_follow": "See who is coming with `/teambot café {code}`.",
    "cafe.question": "Can you come?",
    "cafe.button.yes": "I'll come",
    "cafe.button.no": "Can't come",
    "cafe.reminder_headline": "☕ Reminder: toddler café at {institution} {date} {time}",
    "cafe.reminder_coming": "Coming: {names}",
    "cafe.reminder_silent": "Not answered: {names}",
    "cafe.person": "{name} ({role})",
    "cafe.nobody": "nobody has said yes yet",
    "cafe.unfilled": (
        "⚠️ No {role} can come to the toddler café at {institution} {date} {time}: there is no {role} left in the "
        "district to ask. Please agree on a solution yourselves."
    ),
    "cafe.count_missing": (
        "☕ Toddler café: how many children at {institution} turn 1½ in {months}? "
        "Without a count those children get no café.\n"
        "Register each month on its own, e.g. `/teambot café børn {month} <antal> {code}`. "
        "Write 0 if no child turns 1½ that month."
    ),
    # the småbørnscafé: buttons
    "cafe.moved_answer_again": (
        "The café at {institution} has moved to {date}. Answer the invitation for the new day. Nothing was saved."
    ),
    "cafe.moved_answer_answered": (
        "The café at {institution} has moved to {date}, and you have already answered for that day. Nothing was saved."
    ),
    "cafe.moved_answer_released": (
        "The café at {institution} has moved to {date}, and you are not invited that day. Nothing was saved."
    ),
    "cafe.invite_stale": (
        "That invitation no longer applies: "
        "the café has moved since you got it. Answer the new invitation, if you got one. Nothing was saved."
    ),
    "cafe.gone": "That café no longer exists. Write `/teambot café` to see the cafés. Nothing was saved.",
    "cafe.not_your_invite": "The invitation is for someone else. Nothing was saved.",
    "cafe.over": "The café on {date} is over. Nothing was saved.",
    "cafe.accepted": "✅ You are coming to {cafe}. Thank you! You get a reminder the working day before.",
    "cafe.declined": "❌ You have declined {cafe}.",
    "cafe.asking": "I am asking {name} ({role}) instead.",
    "cafe.nobody_left": "There is no other {role} in the district to ask, so the lead ({leads}) is told.",
    "cafe.nobody_left_told": "There is no other {role} in the district to ask, so {told} will be told.",
    "cafe.told_lead": "{name} (lead)",
    "cafe.told_substitute": "{name} (standing in for {lead})",
    "cafe.told_away": "{name} (lead, away with nobody standing in)",
    "cafe.nobody_left_told_before": (
        "There is no other {role} in the district to ask; the leads have already been told that no {role} can come."
    ),
    "cafe.nobody_left_started": (
        "There is no other {role} in the district to ask, and the café has begun: nobody else is told."
    ),
    "cafe.nobody_left_you_lead": "There is no other {role} in the district to ask, and you are the lead: nobody else is told.",
    "cafe.nobody_left_no_lead": (
        "There is no other {role} in the district to ask, and there is no lead teambot can tell."
    ),
    "cafe.nobody_left_refused": (
        "There is no other {role} in the district to ask, and Slack could not deliver the message about it to the "
        "leads."
    ),
    "cafe.already_declined": "You have already declined. Nothing was saved.",
    "cafe.already_replaced": (
        "You declined, and {name} has been asked instead. Talk to the lead if you can come after all. "
        "Nothing was saved."
    ),
    # /teambot café
    "cafe.overview_title": "*Toddler café · {institution}*",
    "cafe.overview_cafe": "{headline} — {n} children turning 1½ in {months}",
    "cafe.overview_cafe.one": "{headline} — 1 child turning 1½ in {months}",
    "cafe.line.invited": "⏳ {name} ({role}) — not answered",
    "cafe.line.accepted": "✅ {name} ({role}) — coming",
    "cafe.line.declined": "❌ {name} ({role}) — can't come",
    "cafe.line.for": ", stepping in for {name}",
    "cafe.line.unfilled": "⚠️ no {role} can come",
    "cafe.waiting_few": "Waiting for more children: {n} children turning 1½ in {months} (at least {min} are needed).",
    "cafe.waiting_few.one": "Waiting for more children: 1 child turning 1½ in {months} (at least {min} are needed).",
    "cafe.waiting": "Next: {n} children turning 1½ in {months} — the café in {month} is proposed {days} days before.",
    "cafe.waiting.one": "Next: 1 child turning 1½ in {months} — the café in {month} is proposed {days} days before.",
    "cafe.overview_empty": (
        "No café planned. Record how many children turn 1½, e.g. `/teambot café børn 2027-03 4 {code}`."
    ),
    "cafe.overview_text": "Invitation for the parents on Aula: `/teambot café tekst {code}`.",
    "cafe.none_for_you": "You belong to no institution and are not invited to any toddler café.",
    "cafe.text_title": "Invitation for the parents on Aula — {headline}:",
    "cafe.no_cafe": "{institution} has no upcoming toddler café yet.",
    "cafe.unknown_institution_view": "I don't know the institution «{text}». Write its code or name, e.g. SOL.",
    # /teambot café børn
    "cafe.count_usage": (
        "Write e.g. `/teambot café børn 2027-03 4` or `/teambot café børn marts 4 SOL`: the month, how many children "
        "turn 1½ in it, and optionally the institution. Counts only — never names or birth dates. Nothing was saved."
    ),
    "cafe.bad_month": "I don't understand the month «{text}». Write e.g. 2027-03, marts or marts 2027. Nothing was saved.",
    "cafe.bad_count": "The count must be a whole number from 0 to {max} — you wrote «{text}». Nothing was saved.",
    "cafe.month_out_of_range": "{month} is too far from today. Record months from {first} to {last}. Nothing was saved.",
    "cafe.unknown_institution": (
        "I don't know the institution «{text}». Write its code or name, e.g. SOL. Nothing was saved."
    ),
    "cafe.text_not_member": "Only the staff of {institution} can get the café's text for the parents.",
    "cafe.text_no_institution": "You belong to no institution, so there is no café to write to the parents about.",
    "cafe.text_which_institution": "Name the institution at the end, e.g. `/teambot café tekst {example}`: {codes}.",
    "cafe.not_member": "Only the staff of {institution} can record children for the café. Nothing was saved.",
    "cafe.no_institution": "You belong to no institution, so you cannot record children. Nothing was saved.",
    "cafe.which_institution": "Name the institution at the end: {codes}. Nothing was saved.",
    "cafe.count_which_institution": (
        "Which institution? You can record children for {institutions}. Add its code at the end, e.g. "
        "`/teambot café børn {example}`. Nothing was saved."
    ),
    "cafe.count_recorded": "☕ Recorded: {n} children at {institution} turn 1½ in {month}",
    "cafe.count_recorded.one": "☕ Recorded: 1 child at {institution} turns 1½ in {month}",
    "cafe.count_was": " (was: {old})",
    "cafe.count_in_cafe": "They are in the toddler café on {date}.",
    "cafe.count_next": "teambot proposes a café when enough children are in the age window. See how it stands with `/teambot café`.",
    # teambot plan visits
    "plan.summary": "Year plan {year}: {n} visits, {new} of them new; {unplaced} without a day.",
    "plan.unplaced": "No day found: {institution}, {role}, quarter {quarter} (the institution is closed, or too little of the quarter is left).",
    # roster problems
    "roster.bad_number": "«{value}» must be a whole number from {low} to {high}",
    "roster.not_visiting": "«{value}» cannot make consultant visits; use consultant disciplines, e.g. sundhedsplejerske",
    "roster.bad_cafe_size": "at least {low} children cannot be more than at most {high}",
    "roster.bad_age_window": "«{value}» must be two ages in months around 18, e.g. [15, 21]",
    "roster.bad_cafe_children": 'must be a table of months and counts, e.g. {{ "2027-03" = 4 }}',
    "roster.bad_month": "«{value}» is not a month (YYYY-MM)",
    "roster.bad_count": "«{value}» is not a number of children from 0 to {max}",
}
