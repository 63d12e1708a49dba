"""English catalog: complete, same keys as Danish (a test checks it)."""

from teambot.i18n.en_visits import MESSAGES as _VISITS

_EXTRA: tuple[dict[str, str], ...] = (_VISITS,)

MESSAGES: dict[str, str] = {
    "weekday": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
    "month": "January,February,March,April,May,June,July,August,September,October,November,December",
    "fmt.date": "{weekday} {day} {month} {year}",
    "fmt.time": "at {hour:02d}:{minute}",
    "fmt.period": "{start} – {end}",
    "nothing_saved": "Nothing was saved.",
    "error.unexpected": "Sorry, something went wrong in teambot. Please try again shortly. Nothing was saved.",
    "error.cpr_or_time": (
        "That looks like a CPR number: a date followed by four digits. To protect the child, teambot never stores "
        "CPR numbers. If the four digits are a time, write it with a dot, e.g. 14.00. Nothing was saved."
    ),
    "error.cpr": (
        "That looks like a CPR number. To protect the child, teambot never stores CPR numbers "
        "— please write it without. Nothing was saved."
    ),
    "error.unknown_user": "I don't know you yet. Ask your lead to add you to teambot's staff list. Nothing was saved.",
    "error.unknown_command": "I don't know the command «{command}». Type `/teambot hjælp` to see what I can do.",
    "error.unknown_subcommand": "I don't know «/teambot {sub}». Type `/teambot hjælp` to see what I can do.",
    "help.title": "*teambot* — here is what I can help with:",
    "help.footer": "Children are only referred to by their code (e.g. AK12) — never a name, birth date or CPR number.",
    "cmd.hjaelp.usage": "/teambot hjælp",
    "cmd.hjaelp.summary": "Shows this overview.",
    "cmd.mig.usage": "/teambot mig",
    "cmd.mig.summary": "Shows your roles, institutions, children and the cases you are consultant on.",
    "cmd.institutioner.usage": "/teambot institutioner",
    "cmd.institutioner.summary": "Lists the institutions with kind, district and lead.",
    "me.header": "*{name}* — {roles}",
    "me.institutions": "Institutions: {names}",
    "me.no_institutions": "You are not attached to any institution.",
    "me.cases": "Your children: {codes}",
    "me.consulted": "Cases as consultant: {codes}",
    "me.no_cases": "You have no active cases.",
    "inst.none": "There are no institutions yet. An administrator loads them with `teambot import`.",
    "inst.line": "*{code}* {name} ({kind}, district {district}) — lead: {leads}",
    "inst.no_lead": "none",
    "console.welcome": (
        "teambot is running in the local console with {what}. You are {name} ({user}).\n"
        "Type a command, e.g. `/teambot hjælp`. Ctrl-D exits."
    ),
    "console.demo": "the demo municipality",
    "console.database": "the database",
    "console.connect_slack": (
        "Slack is not configured. Set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or "
        "SLACK_SIGNING_SECRET (HTTP) in .env — see the README, 'Connect Slack'."
    ),
    "console.not_a_command": "Type a command starting with /, e.g. `/teambot hjælp`.",
    "console.sent_to": "── message to {recipient} ──",
    "console.choices": "Choices",
    "console.bye": "Goodbye.",
    "console.no_staff": "There are no staff in the database. Run `teambot demo` or `teambot import FILE`.",
    "console.unknown_as": "The staff member «{user}» does not exist.",
    "roster.problem": "{source}: {entry}, key «{key}»: {message}",
    "roster.failed": "Nothing was imported: {count} error(s) in {source}. Fix the file and try again.",
    "roster.toml_syntax": "the file is not valid TOML ({error})",
    "roster.unreadable": "the file cannot be read ({error})",
    "roster.not_a_table": "must be a table",
    "roster.not_array": "must be an array of tables ([[...]])",
    "roster.unknown_table": "unknown table; use municipality, institution, staff, assignment and case",
    "roster.unknown_key": "unknown key — a typo? See the README, 'Roster file'",
    "roster.missing": "is missing",
    "roster.not_text": "must be non-empty text",
    "roster.not_text_list": "must be a list of texts",
    "roster.bad_date": "«{value}» is not a date (YYYY-MM-DD)",
    "roster.bad_range": "«{value}» is not a date or range (YYYY-MM-DD..YYYY-MM-DD)",
    "roster.unknown_role": "unknown role «{value}»",
    "roster.unknown_kind": "unknown institution kind «{value}» (vuggestue, børnehave, integreret, dagpleje)",
    "roster.cpr": "contains something that looks like a CPR number; teambot never stores CPR numbers",
    "roster.duplicate": "«{value}» appears more than once",
    "roster.bad_slack_id": "«{value}» is not a Slack user ID (e.g. U0METTE01)",
    "roster.bad_email": "«{value}» is not an email address",
    "roster.missing_id_or_email": "needs id (Slack user ID) or email",
    "roster.unknown_institution": "unknown institution «{value}»",
    "roster.paedagog_elsewhere": "{name} is the case's pædagog but does not work at {institution}: give the case a new pædagog, or keep {name} at {institution}",
    "roster.paedagog_gone": "{name} is the case's pædagog but is no longer in the file: give the case a new pædagog, or keep {name} in the file",
    "roster.unknown_staff": "unknown staff member «{value}»",
    "roster.unknown_district": "unknown district «{value}»",
    "roster.institutions_or_district": "give either institutions or district (exactly one of them)",
    "roster.bad_case_code": "«{value}» is not a valid child code (2–12 capital letters and digits with at least one letter and one digit, e.g. AK12)",
    "roster.case_code_without_digit": "«{value}» cannot be the code of a new case: the code must contain at least one digit, e.g. AK12, so that a child's name is never used as a code",
    "roster.missing_consent_date": "consent has no date",
    "roster.bad_goal": "a goal must be 1–300 characters",
    "roster.bad_time": "«{value}» is not a time of day (HH:MM)",
    "roster.time_outside_day": "«{value}» is outside the working day; use a time from {earliest} to {latest}",
    "roster.bad_reminder_days": "«{value}» must be a list of days before the meeting, e.g. [7, 1]",
    "roster.bad_interval": "«{value}» is not a number of weeks between 1 and 52",
    "import.none": "No changes: the database already matches {source}.",
    "import.summary": "Imported {source}: {created} created, {updated} updated, {deactivated} deactivated.",
    "import.created": "+ {table} {key}",
    "import.updated": "~ {table} {key}: {fields}",
    "import.deactivated": "- {table} {key}",
    "import.kept": "= {table} {key}: {fields} changed in Slack; the file does not change it",
    "import.demo_database": "The database holds the demo municipality (from `make run` without Slack). Import your roster into a new database: set TEAMBOT_DATABASE_URL, or move teambot.db away.",
    "demo.loaded": (
        "The demo municipality is loaded: {institutions} institutions, {staff} staff, {cases} cases, {ratings} ratings."
    ),
    "meeting.reminder": "📅 Status meeting for {code} {date} {time} ({institution})",
    "meeting.participants": "Participants: {names}",
    "meeting.participant": "{name} ({role})",
    "meeting.participant_for": "{name} ({role}, for {absent})",
    "meeting.button.confirm": "Confirm",
    "meeting.button.move": "Move",
    "meeting.button.cancel": "Cancel",
    "meeting.moved_notice": "🔁 The status meeting for {code} was moved from {old} to {date} {time} by {name}.",
    "meeting.closed_day_notice": (
        "🔁 The status meeting for {code} was moved from {old} to {date} {time}: {old} has become a closing day at the"
        " institution."
    ),
    "meeting.cancelled_notice": "❌ The status meeting for {code} {date} was cancelled by {name}. Reason: {reason}",
    "meeting.no_reason": "none given",
    "why.case_role": "You get this message because you are the {role} for {code}.",
    "why.lead": "You get this message because you lead the institution {code} attends.",
    "why.substitute": "You get this message because you stand in for {name} ({role} for {code}).",
    "why.lead_reroute": "You get this message because you are a lead and it could not be delivered to {name}.",
    "why.lead_missed": "You get this message because you lead the institution {code} attends.",
    "outbox.rerouted": "⚠️ This message could not be delivered to {name} ({error}). Please pass it on:",
    "outbox.missed": (
        "⚠️ The reminders about the status meeting for {code} {date} were not sent because teambot was down "
        "until the meeting had started. Please check that everyone knew."
    ),
    "cmd.moeder.usage": "/teambot møder [week]",
    "cmd.moeder.summary": "Shows your upcoming status meetings, or those in one week (e.g. 49 or 53/2026).",
    "cmd.flyt.usage": "/teambot flyt <child> <date> [time]",
    "cmd.flyt.summary": "Moves the child's next status meeting, e.g. `/teambot flyt AK12 10/3 14.30`. Others are told.",
    "cmd.aflys.usage": "/teambot aflys <child> <reason>",
    "cmd.aflys.summary": "Cancels the child's next status meeting. The other participants are told.",
    "cmd.fravaer.usage": "/teambot fravær [from to [substitute] | slet [day]]",
    "cmd.fravaer.summary": (
        "Records your absence, e.g. `/teambot fravær 2/3 13/3 @Ali`. The substitute gets your meeting invitations "
        "and your children in their daily rating reminder. "
        "Without dates: lists your absences. `/teambot fravær slet 2/3` deletes the absence on that day (one already"
        " begun ends yesterday)."
    ),
    "meeting.unknown_case": "I don't know the child «{code}». Nothing was saved.",
    "meeting.none_ahead": "{code} has no upcoming status meeting. Nothing was saved.",
    "meeting.not_participant": "You don't take part in the status meetings for {code}. Nothing was saved.",
    "meeting.gone": "That meeting no longer exists. Type `/teambot møder` to see yours. Nothing was saved.",
    "meeting.already_cancelled": "The status meeting for {code} is already cancelled. Nothing was saved.",
    "meeting.already_held": "The status meeting for {code} on {date} has been held and cannot be moved or cancelled. Nothing was saved.",
    "meeting.move_same": "The status meeting for {code} is already on {date} {time}. Nothing was saved.",
    "meeting.move_past": "{date} has passed. Choose a date from today on. Nothing was saved.",
    "meeting.move_closed": (
        "{date} is not a working day at the institution (weekend, holiday or closing day). Choose another date. "
        "Nothing was saved."
    ),
    "meeting.move_usage": "Type e.g. `/teambot flyt AK12 10/3` or `/teambot flyt AK12 2027-03-10 14.30`. Nothing was saved.",
    "meeting.cancel_usage": "Type e.g. `/teambot aflys AK12 the child is on holiday`. Nothing was saved.",
    "meeting.bad_date": "I don't understand the date «{text}». Type e.g. 10/3, 2027-03-10 or tirsdag. Nothing was saved.",
    "meeting.bad_time": "I don't understand the time «{text}». Type e.g. 14.30. Nothing was saved.",
    "meeting.time_outside_day": "A status meeting can start from {earliest} to {latest}, not {time}. Type e.g. 14.30. Nothing was saved.",
    "meeting.bad_week": "I don't understand the week «{text}». Type e.g. 49 or 53/2026.",
    "meeting.week_out_of_reach": "I only show meetings in weeks from {first} to {last}, not «{text}». Type e.g. 49 or 49/{last}.",
    "meeting.week_not_in_year": "{year} has only {weeks} weeks. Type e.g. {weeks}/{year}.",
    "meeting.reason_missing": "Please give a short reason for the cancellation. Nothing was saved.",
    "meeting.reason_too_long": "The reason may be at most {max} characters. Nothing was saved.",
    "meeting.moved": "🔁 The status meeting for {code} was moved to {date} {time}. {n} participants are told.",
    "meeting.cancelled": "❌ The status meeting for {code} {date} is cancelled. {n} participants are told.",
    "meeting.moved.one": "🔁 The status meeting for {code} was moved to {date} {time}. 1 participant is told.",
    "meeting.cancelled.one": "❌ The status meeting for {code} {date} is cancelled. 1 participant is told.",
    "meeting.away_substitute": "⚠️ {name} ({role}) is away that day; the substitute {substitute} gets the meeting's messages instead.",
    "meeting.away_alone": "⚠️ {name} ({role}) is away that day and has no substitute who can get the meeting's messages.",
    "meeting.away_self_substitute": "⚠️ You are away yourself that day; your substitute {substitute} gets the meeting's messages instead.",
    "meeting.away_self_alone": "⚠️ You are away yourself that day and have no substitute who can get the meeting's messages.",
    "meeting.confirmed_by_you": "✅ You confirmed. {n} of {total} have confirmed.",
    "meeting.move_hint": "Type `/teambot flyt {code} <date> [time]` to move the meeting, e.g. `/teambot flyt {code} 10/3`.",
    "meeting.cancel_hint": "Type `/teambot aflys {code} <reason>` to cancel the meeting.",
    "meeting.list_title": "*Your upcoming status meetings*",
    "meeting.list_week": "*Your status meetings in week {week} ({year})*",
    "meeting.list_empty": "You have no upcoming status meetings.",
    "meeting.list_empty_week": "You have no status meetings in week {week}.",
    "meeting.list_line": "• {date} {time} — {code} ({institution}) · {state}",
    "meeting.state_confirmed": "{n} of {total} confirmed",
    "meeting.state_cancelled": "cancelled",
    "meeting.modal.move_title": "Move status meeting",
    "meeting.modal.cancel_title": "Cancel status meeting",
    "meeting.modal.new_date": "New date",
    "meeting.modal.reason": "Reason",
    "meeting.modal.submit": "Save",
    "meeting.modal.close": "Back",
    "meeting.modal.about": "The status meeting for *{code}* {date}",
    "absence.usage": (
        "Type e.g. `/teambot fravær 2/3 13/3 @Ali` (from, to and optionally a substitute) or `/teambot fravær slet 2/3`."
        " Nothing was saved."
    ),
    "absence.bad_date": "I don't understand the date «{text}». Type e.g. 2/3 or 2027-03-02. Nothing was saved.",
    "absence.end_before_start": "The end date is before the start date. Nothing was saved.",
    "absence.past": "That absence is already over. Nothing was saved.",
    "absence.too_long": "An absence can last at most a year. Nothing was saved.",
    "absence.end_wraps": (
        "The end date «{typed}» becomes {end}, more than half a year after {start}. Did you swap the dates? Type the first day"
        " first. If the absence really lasts that long, add the year: {typed}/{year}. Nothing was saved."
    ),
    "absence.unknown_substitute": (
        "I don't know the substitute «{text}». Mention them with @ or type the full name. Nothing was saved."
    ),
    "absence.self_substitute": "You can't be your own substitute. Nothing was saved.",
    "absence.recorded": "🗓️ Your absence {period} is recorded. You get no meeting invitations in that period.",
    "absence.recorded_with": "🗓️ Your absence {period} is recorded. {name} gets your meeting invitations meanwhile.",
    "absence.recorded_unreachable": (
        "🗓️ Your absence {period} is recorded. Nobody gets your meeting invitations meanwhile, as long as "
        "{name} cannot get messages from teambot on Slack."
    ),
    "absence.children_nobody": "Nobody is reminded to rate your children.",
    "absence.children_all": "{name} gets your children in their daily rating reminder.",
    "absence.children_none": "{name} may not rate {codes}, so nobody is reminded about those ratings.",
    "absence.children_some": (
        "{name} gets {codes} in their daily rating reminder, but may not rate {left}, so nobody is reminded about "
        "those ratings."
    ),
    "absence.substitute_away": ("{name} is away too {period}; on those days nobody is reminded to rate your children."),
    "absence.overlaps": (
        "You already had an absence {earlier_period} (substitute: {substitute}); on those days it still applies."
    ),
    "absence.recorded_covered": (
        "🗓️ Your absence {period} is recorded, but your absence {earlier_period} "
        "(substitute: {substitute}) already covers those days and still applies."
    ),
    "absence.visit_to": "Your consultant visit to {institution} {date} goes to {name}.",
    "absence.visit_leads": (
        "The leads of {institution} get the messages about your consultant visit {date}, as nobody stands in for you."
    ),
    "absence.visit_nobody": (
        "Nobody gets the messages about your consultant visit to {institution} {date}: nobody stands in for you, and "
        "the institution has no lead on Slack. Agree with the institution yourself what happens to the visit."
    ),
    "absence.visit_nobody_leads_away": (
        "Nobody gets the messages about your consultant visit to {institution} {date}: nobody stands in for you, and "
        "the leads are away too, with no substitute. Agree with the institution yourself what happens to the visit."
    ),
    "absence.lead_messages_to": "{name} gets your Friday status and your messages about consultant visits meanwhile.",
    "absence.lead_messages_nobody": "Nobody gets your Friday status or your messages about consultant visits meanwhile.",
    "absence.visit_messages_to": "{name} gets your messages about consultant visits meanwhile.",
    "absence.visit_messages_nobody": "Nobody gets your messages about consultant visits meanwhile.",
    "absence.cafe_invited": (
        "You are invited to the småbørnscafé at {institution} {date} {time}, which falls in your absence: "
        "press «{button}» in the invitation and I will ask a colleague."
    ),
    "absence.visit_still_yours": (
        "The consultant visit to {institution} {date} that you make for {name} still goes to you, though you are away."
    ),
    "absence.cafe_invited_lead": (
        "You are invited to the småbørnscafé at {institution} {date} {time}, which falls in your absence: "
        "press «{button}» in the invitation."
    ),
    "absence.cafe_count_nobody": (
        "☕ Nobody will be asked for the toddler café's counts at {institution} on {dates}: nobody stands in for you, "
        "and no other lead can be asked."
    ),
    "absence.none": "You have no recorded absence.",
    "absence.list_title": "*Your absences*",
    "absence.list_line": "• {period} · substitute: {substitute}",
    "absence.no_substitute": "none",
    "absence.list_hint": "Delete an absence with `/teambot fravær slet <day>`.",
    "absence.delete_usage": "Type e.g. `/teambot fravær slet 2/3` (a day in the absence). Nothing was saved.",
    "absence.delete_nothing": "You have no coming absence to delete. Nothing was saved.",
    "absence.delete_which": (
        "You have several absences registered: {absences}. Type a day in the one to delete, e.g. `/teambot fravær slet"
        " 2/3`. Nothing was saved."
    ),
    "absence.delete_none_on": "You have no coming absence covering {date}. Your absences: {absences}. Nothing was saved.",
    "absence.delete_several": (
        "Several of your absences cover {date}: {absences}. Type the first day of the one to delete. Nothing was saved."
    ),
    "absence.deleted": "🗑️ Your absence {period} is deleted.",
    "absence.back": "Your meeting invitations and reminders in the period come to you again.",
    "absence.back_from_today": "Your meeting invitations and reminders come to you again from today.",
    "absence.cut_short": "🗓️ Your absence {period} is cut short: it ended yesterday, {last}.",
    "absence.still_away": (
        "Your absence {period} still applies, so on those days your messages still go as it decides."
    ),
    "absence.lead_back": "Your Friday status and your messages about consultant visits come to you again as well.",
    "absence.visit_back": "Your consultant visit to {institution} {date} is yours again.",
    "cmd.rating.usage": "/rating <child> [date] [goal] <1-4> [note]",
    "cmd.rating.summary": (
        "Records today's rating of a goal, e.g. `/rating AK12 3` or `/rating AK12 2 4 practised with picture cards`. "
        "A date backfills (at most 7 days): `/rating AK12 i går 3`. Just `/rating`: all your children at once. "
        "`/rating mangler`: today's missing goals with buttons."
    ),
    "rating.recorded": "✅ Recorded: {code}, goal {number} «{goal}» — {date}: *{value} of 4*.",
    "rating.corrected": "✏️ Changed: {code}, goal {number} — {date}: changed from {old} to *{new}*.",
    "rating.note_changed": "✏️ Changed: {code}, goal {number} — {date}: new note, the rating is still *{value} of 4*.",
    "rating.unchanged": "☑️ Unchanged: {code}, goal {number} — {date}: was already recorded as *{value} of 4*.",
    "rating.note": "Note: {note}",
    "rating.note_kept": "The note «{note}» still stands.",
    "rating.unknown_child": "I don't know the child «{code}». You can rate: {mine}. Nothing was saved.",
    "rating.unknown_child_none": "I don't know the child «{code}», and you have no children to rate. Nothing was saved.",
    "rating.case_closed": "The case for {code} is closed; no more ratings can be given. Nothing was saved.",
    "rating.no_goals": "{code} has no active goals yet. Add one with `/teambot forløb mål {code} <text>`. Nothing was saved.",
    "rating.which_goal": "{code} has several goals — type the goal's number before the rating, e.g. `/rating {code} 1 3`:\n{goals}\nNothing was saved.",
    "rating.unknown_goal": "{code} has no active goal {number}. The goals are:\n{goals}\nNothing was saved.",
    "rating.goal_line": "{number}. {text}",
    "rating.goals_title": "*Goals for {code}*",
    "rating.how": "Record with `/rating {code} <goal> <1-4> [note]`.",
    "rating.input_empty": "Type the child's code and a rating from 1 to 4, e.g. `/rating AK12 3`. Nothing was saved.",
    "rating.input_not_a_number": "«{value}» is not a rating. Type a whole number from 1 to 4, e.g. `/rating AK12 3`. Nothing was saved.",
    "rating.input_bad_date": "The date «{value}» does not exist. Type e.g. `/rating AK12 4/3 3` or `/rating AK12 i går 3`. Nothing was saved.",
    "rating.input_missing_value": "Type a rating from 1 to 4 after the date, e.g. `/rating AK12 i går 3`. Nothing was saved.",
    "rating.input_out_of_range": "The rating must be from 1 to 4 — you typed {value}. Nothing was saved.",
    "rating.input_note_too_long": "The note is {value} characters; at most {max} are allowed. Nothing was saved.",
    "rating.day_future": "{date} has not come yet — you can only rate today and the days before. Nothing was saved.",
    "rating.day_too_old": "{date} is more than 7 days ago; ratings cannot go that far back. Nothing was saved.",
    "rating.day_before_start": "{date} is before the case or the goal started. Nothing was saved.",
    "rating.day_after_close": "{date} is after the case was closed. Nothing was saved.",
    "rating.day_closed": "{date} is not a working day at the institution (weekend, holiday or closing day). Nothing was saved.",
    "rating.todo_none": "You have no goals to rate {date}.",
    "rating.no_children": "You have no children with active goals to rate.",
    "rating.modal.title": "Today's ratings",
    "rating.modal.submit": "Save",
    "rating.modal.intro": "Today's ratings for {date}: give each goal 1–4 and save. Empty goals are skipped.",
    "rating.modal.goal": "{code} · goal {number}: {text}",
    "rating.modal.note": "Note for {code}: what did you do to help? (optional)",
    "rating.modal.more": "More children ({codes}) are not shown here — use `/rating <child> …` for them.",
    "rating.modal.done": "✅ Recorded for {date}:",
    "rating.modal.unchanged": "☑️ No changes for {date}:",
    "rating.modal.nothing": "You chose no ratings. Nothing was saved.",
    "rating.modal.expired": "The form has expired. Type `/rating` again. Nothing was saved.",
    "rating.modal.stale": "That goal no longer exists or has ended. Type `/rating` again. Nothing was saved.",
    "rating.modal.note_without_rating": "The note for {code} is saved with a rating: rate at least one of {code}'s goals 1–4, or clear the note. Nothing was saved.",
    "nudge.headline": "📝 Remember today's ratings — {date}",
    "nudge.todo": "{n} of {total} goals are missing. Press 1–4 for each goal.",
    "nudge.all_done": "All of today's goals are rated. Thank you!",
    "nudge.goal": "*{code}* · goal {number} «{text}»",
    "nudge.recorded": "✅ {label}: *{value} of 4* — recorded by {name}",
    "nudge.unchanged": "☑️ {label}: *{value} of 4* — was already recorded by {name}",
    "why.nudge": "You get this message because you are the pædagog for {codes} and today's goals are not all rated.",
    "nudge.on_behalf": "👥 On behalf of *{name}*, whom you stand in for:",
    "nudge.colleague": "{name} ({codes})",
    "nudge.and": " and ",
    "nudge.more_one": "… and 1 more goal ({codes}): rate it in the day's form.",
    "nudge.more": "… and {n} more goals ({codes}): rate them in the day's form.",
    "nudge.open_form": "Open the form",
    "why.nudge_substitute": (
        "You get this message because you stand in for {colleagues} and today's goals are not all rated."
    ),
    "why.nudge_own_and_substitute": (
        "You get this message because you are the pædagog for {codes} and stand in for {colleagues}, "
        "and today's goals are not all rated."
    ),
    "console.form_start": "Fill in the form line by line (an empty line skips an optional field):",
    "console.form_closed": "The form was closed without saving.",
    "console.date_hint": "YYYY-MM-DD",
    "console.skip_hint": "empty = skip",
    "cmd.forloeb.usage": "/teambot forløb <child> | opret | start | mål | afslut | konsulent | samtykke | luk",
    "cmd.forloeb.summary": (
        "Shows and manages a child's case: `forløb AK12` shows it; `forløb opret AK13 [institution] [@pædagog] [start meeting]`, "
        "`forløb start AK12 <date>`, `forløb mål AK12 <text>`, `forløb afslut AK12 <goal no>`, `forløb konsulent AK12 @person`, "
        "`forløb samtykke AK12 psykolog,tale-hørekonsulent [date]` (or `ingen`), `forløb luk AK12`. "
        "Only leads and the child's pædagog can change it."
    ),
    "case.usage": "Type e.g. `/teambot forløb AK12` or `/teambot forløb opret AK13`. See `/teambot hjælp`.",
    "case.unknown_or_not_yours": "I don't know the case «{code}», or you may not change it (only leads and the child's pædagog). Nothing was saved.",
    "case.unknown_or_hidden": "I don't know the case «{code}», or you have no access to it. Nothing is shown.",
    "case.unknown_person": "I don't know «{text}». Mention them with @ or type the full name. Nothing was saved.",
    "case.title": "*Case {code}* · {institution} · {status}",
    "case.status_active": "active",
    "case.status_closed": "closed",
    "case.status_closed_on": "closed {date}",
    "case.paedagog_line": "Pædagog: {name}",
    "case.consultants_line": "Consultants: {names}",
    "case.consent_line": "Consent ({date}): {professions}",
    "case.no_consent": "Consent: none — teambot shares nothing with the consultants.",
    "case.start_line": "Start meeting: {date}",
    "case.no_start": "Start meeting: not set — status meetings are planned once it is set.",
    "case.goals_title": "Goals:",
    "case.no_goals": "No active goals. Add one with `/teambot forløb mål {code} <text>`.",
    "case.no_goals_closed": "No active goals.",
    "case.no_start_closed": "Start meeting: not set",
    "case.create_usage": "Type e.g. `/teambot forløb opret AK13 SOL @Mette 2027-02-11` (code, optional institution, pædagog and start meeting). Nothing was saved.",
    "case.bad_code": "«{code}» is not a valid child code: 2–12 capital letters and digits with at least one letter and one digit, e.g. AK12 — never a name or birth date. Nothing was saved.",
    "case.code_without_digit": "«{code}» cannot be used as a child code: the code must contain at least one digit, e.g. AK12, so that a child's name is never used as a code. Nothing was saved.",
    "case.exists": "A case with the code {code} already exists. Choose another code. Nothing was saved.",
    "case.which_institution": "Say which institution the case belongs to: {codes}. Nothing was saved.",
    "case.not_your_institution": "You do not belong to the institution «{code}», so you cannot create cases there. Nothing was saved.",
    "case.only_lead_assigns": "Only a lead can create a case for another pædagog. Nothing was saved.",
    "case.not_a_paedagog": "{name} is not a pædagog. Nothing was saved.",
    "case.paedagog_elsewhere": "{name} does not work at {institution}. Nothing was saved.",
    "case.created": "📂 The case {code} is created at {institution} with {name} as pædagog. {when}",
    "case.created_start": "Start meeting {date}; status meetings are planned from there.",
    "case.created_no_start": "Set the start meeting with `/teambot forløb start {code} <date>`, and status meetings are planned.",
    "case.start_usage": "Type e.g. `/teambot forløb start AK12 2027-03-01` (the child and the start meeting's date). Nothing was saved.",
    "case.start_already": "The case {code} already has its start meeting on {date}, and status meetings follow it. Nothing was saved.",
    "case.start_closed": (
        "{date} is not a working day at the institution (weekend, public holiday or closing day). The start meeting"
        " must be on a working day. Nothing was saved."
    ),
    "meeting.move_too_far": "A status meeting can be moved at most {n} weeks ahead, to {latest}, not to {date}. Nothing was saved.",
    "meeting.move_too_far.one": "A status meeting can be moved at most 1 week ahead, to {latest}, not to {date}. Nothing was saved.",
    "case.start_out_of_range": "The start meeting can be at most {weeks} weeks back and at most a year ahead, not {date}. Type the right date. Nothing was saved.",
    "case.start_set": "📅 The start meeting for {code} is set to {date}; status meetings are planned from there.",
    "case.goal_usage": "Type e.g. `/teambot forløb mål AK12 Puts on outerwear alone`. Nothing was saved.",
    "case.goal_too_long": "A goal may be at most {max} characters. Nothing was saved.",
    "case.goal_added": "🎯 Goal {number} for {code}: «{text}» is added.",
    "case.end_goal_usage": "Type e.g. `/teambot forløb afslut AK12 2` (child and goal number). Nothing was saved.",
    "case.no_such_goal": "{code} has no active goal {number}. Nothing was saved.",
    "case.goal_ended": "🏁 Goal {number} for {code} «{text}» has ended.",
    "case.consultant_usage": "Type e.g. `/teambot forløb konsulent AK12 @Peter`. Nothing was saved.",
    "case.not_a_consultant": "{name} is not a consultant (e.g. psykolog or tale-hørekonsulent). Nothing was saved.",
    "case.consultant_exists": "{name} is already a consultant on {code}. Nothing was saved.",
    "case.consultant_added": "👥 {name} is now a consultant on {code} and is invited to the status meetings.",
    "case.consultant_needs_consent": "The consent does not cover {role} yet, so {role} sees no ratings until it does.",
    "case.consent_usage": "Type e.g. `/teambot forløb samtykke AK12 psykolog,tale-hørekonsulent 2027-02-11` or `ingen`. Nothing was saved.",
    "case.bad_consent_date": "«{text}» is not a date today or before. Nothing was saved.",
    "case.consent_too_early": "The consent cannot be from {date}: that is more than a year before the case's start meeting ({start}). Type the date the parents gave their consent. Nothing was saved.",
    "case.consent_too_early_no_start": "The consent cannot be from {date}: that is more than a year ago. Type the date the parents gave their consent. Nothing was saved.",
    "case.unknown_profession": "«{text}» is not a consultant profession (psykolog, tale-hørekonsulent, sundhedsplejerske, småbørnskonsulent, fysioterapeut, socialrådgiver). Nothing was saved.",
    "case.consent_recorded": "🤝 Consent for {code} is recorded ({date}): {professions}.",
    "case.consent_withdrawn": "🤝 Consent for {code} is withdrawn: teambot shares nothing with the consultants.",
    "case.close_usage": "Type e.g. `/teambot forløb luk AK12`. Nothing was saved.",
    "case.already_closed": "The case {code} is already closed. Nothing was saved.",
    "case.closed": "🔒 The case {code} is closed {date}. Upcoming status meetings and reminders are cancelled.",
    "cmd.uge.usage": "/uge [week[/year]] [institution]",
    "cmd.uge.summary": (
        "The week's status: ratings day by day, means, trend, what is missing, the week's meetings and warnings. "
        "E.g. `/uge`, `/uge 47`, `/uge 53/2026 SOL`. Leads see the whole institution, others their own children."
    ),
    "week.title": "Week {week} ({year}) · {institution}",
    "week.today": "{done} of {due} ratings today",
    "week.today.one": "{done} of 1 rating today",
    "week.goal_label": "{code} · goal {number} «{text}»",
    "week.mean": "mean {mean}",
    "week.no_mean": "mean –  ",
    "week.met": "{pct} % met",
    "week.flag_low": "⚠️ 2nd week below 2",
    "week.more": "… and {n} more goals that do not fit here. Type `/uge` with the institution's code to see one at a time.",
    "week.no_goals": "No active goals this week.",
    "week.missing_today": "Missing today: {who}",
    "week.away_today": "Away today: {names}",
    "week.away_covered": "{name} (substitute {substitute}: {done} of {due} rated)",
    "week.missing_week": "Missing this week (ratings): {who}",
    "week.missing_of_which": "{name} {n} (of which {parts})",
    "week.missing_with_substitute": "{n} on days with substitute {substitute}",
    "week.substitute_namesake": "{name} ({days})",
    "week.namesake": "{name} ({codes})",
    "week.codes_more": "{codes} and more",
    "week.away_covered_namesake": "{name} ({codes}; substitute {substitute}: {done} of {due} rated)",
    "week.this_week": "This week: {items}",
    "week.meeting": "status meeting {code} {weekday} {time} ({state})",
    "week.meeting_confirmed": "{n} of {total} confirmed",
    "week.meeting_cancelled": "cancelled",
    "week.meeting_held": "held",
    "week.flag_silent": "⚠️ No ratings for 5 working days: {codes}",
    "week.flag_overdue": "⚠️ Status meeting overdue: {codes}",
    "week.not_your_institution": "You do not belong to the institution «{code}», so you cannot see its week. Type `/uge` for your own.",
    "week.bad_week": "I don't understand the week «{text}». Type e.g. `/uge 47` or `/uge 53/2026`.",
    "week.year_out_of_reach": "I only show weeks from {first} to {last}, not «{text}». Type e.g. `/uge 47` or `/uge 47/{last}`.",
    "week.not_in_year": "{year} has only {weeks} weeks. Type e.g. `/uge {weeks}/{year}`.",
    "week.nothing": "There is nothing to show you for week {week} ({year}).",
    "week.split_hint": "More institutions than fit: type `/uge <institution>` for one at a time.",
    "cmd.hjem.usage": "/teambot hjem",
    "cmd.hjem.summary": "Shows your home page: the week's status (leads), today's ratings with buttons (pædagoger) and your upcoming meetings.",
    "home.title": "teambot · {name}",
    "home.meetings": "*Your upcoming status meetings*",
    "home.meeting_line": "• {date} {time} — {code} ({institution})",
    "home.more": "There is more than the home page can show: use `/uge` and `/teambot møder`.",
    "digest.pending": "The week's status follows.",
    "why.digest": "You get this message because you are a lead and it is Friday: the week's status for your institutions.",
    "why.digest_early": "You get this message because you are a lead and {weekday} is the week's last working day: the week's status for your institutions.",
    "why.digest_substitute": (
        "You get this message because you stand in for {name} (lead) and it is Friday: the week's status for the "
        "institutions."
    ),
    "why.digest_early_substitute": (
        "You get this message because you stand in for {name} (lead) and {weekday} is the week's last working day: "
        "the week's status for the institutions."
    ),
    "cmd.rapport.usage": "/teambot rapport <child> [from] [to]",
    "cmd.rapport.summary": "Progress report for the status meeting: chart and PDF with ratings, weekly means and notes. By default since the last status meeting.",
    "report.usage": "Type e.g. `/teambot rapport AK12` or `/teambot rapport AK12 2027-02-01 2027-03-31`.",
    "report.end_before_start": "The end date is before the start date. Nothing was made.",
    "report.too_long": "A report can cover at most {days} days. Choose a shorter period.",
    "report.future": "A report starts today at the latest: {date} is later. Nothing was made.",
    "report.ready": "📈 Progress report for {code}, {start} – {end} ({n} ratings): chart and printable PDF.",
    "report.ready.one": "📈 Progress report for {code}, {start} – {end} (1 rating): chart and printable PDF.",
    "report.chart_title": "Case {code} — chart",
    "report.pdf_title": "Case {code} — printable report",
    "report.title": "{code} · progress report {start} – {end}",
    "report.goal_legend": "Goal {number}: {text}",
    "report.meeting_mark": "status meeting",
    "report.axis_rating": "Rating (1–4)",
    "report.footer": "{institution} · only the child's code is shown · made with teambot",
    "report.table_title": "Case {code} — weekly means per goal",
    "report.table_week": "Week",
    "report.table_goal": "Goal {number}",
    "report.week_label": "{week}/{year}",
    "report.goals_title": "Goals:",
    "report.notes_title": "What we did to help:",
    "report.note_line": "{date}  goal {number}: {note}",
    "report.no_notes": "No notes in the period.",
    "console.file_saved": "📎 Saved: {path}",
    "cmd.overblik.usage": "/teambot overblik [quarter]",
    "cmd.overblik.summary": "For leads: cases, goals, rating completeness, goals met, status meetings and time spent per institution for a quarter (e.g. K1 or 2027-K2). Totals only.",
    "overview.leads_only": "The overview is for leads. Ask your lead if you need the figures.",
    "overview.bad_quarter": "I don't understand the quarter «{text}». Type e.g. K1, 2 or 2027-K3.",
    "overview.quarter_out_of_reach": "The quarter «{text}» is too far away: type a quarter from {first} to {last}, e.g. K1 or 2027-K3.",
    "overview.title": "*Overview quarter {quarter} {year}* ({start} – {end})",
    "overview.line": "{label}: {cases} cases · {goals} goals · rated {completeness} · goals met {met} · status meetings {on_time} on time, {moved} moved, {cancelled} cancelled · time: ratings {hours_ratings} h, status meetings {hours_meetings} h",
    "overview.total": "The whole municipality",
    "overview.footer": "_Time counted as 1 min per rating and 60 min per participant in a status meeting. Export everything with `teambot export monitoring`._",
    "cmd.kalender.usage": "/teambot kalender [stop]",
    "cmd.kalender.summary": "Gives you a secret calendar address with your status meetings, consultant visits and småbørnscaféer for Outlook. Each time a new one is made and the old one stops working; `stop` closes it.",
    "calendar.meeting": "Status meeting {code}",
    "calendar.visit": "Consultant visit · {institution} ({role})",
    "calendar.visit_for": "{role} for {institution}.",
    "calendar.visit_stand_in": "Standing in for {name} ({role} for {institution}).",
    "calendar.visit_not_yours": "No longer your visit: another {role} comes to {institution}, or nobody can come.",
    "calendar.cafe": "Småbørnscafé · {institution} ({role})",
    "calendar.cafe_children": "For {n} children around 1½ years and their parents.",
    "calendar.cafe_children.one": "For 1 child around 1½ years and the parents.",
    "calendar.cafe_declined": "You answered «Kan ikke».",
    "calendar.cafe_released": "The café has moved to a day you are not invited to.",
    "calendar.usage": "Type `/teambot kalender` for a new calendar address or `/teambot kalender stop` to close it.",
    "calendar.created": "📆 Your calendar address: {url}\nSubscribe to it in Outlook (Add calendar → From the internet). Do not share it: it shows your meetings. Any earlier address no longer works.",
    "calendar.created_no_url": "📆 Your calendar address is the bot's address followed by {path}. Ask your administrator for the full address (TEAMBOT_PUBLIC_URL is not set). Any earlier address no longer works.",
    "calendar.revoked": "📆 Your calendar address is closed.",
    "calendar.none": "You have no calendar address.",
}

# Feature catalogs kept in their own modules, merged here so `t()` sees one catalog per language.
for _extra in _EXTRA:
    MESSAGES.update(_extra)
