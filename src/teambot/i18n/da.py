"""Danish catalog: the default and complete one."""

MESSAGES: dict[str, str] = {
    # formats
    "weekday": "mandag,tirsdag,onsdag,torsdag,fredag,lørdag,søndag",
    "month": "januar,februar,marts,april,maj,juni,juli,august,september,oktober,november,december",
    "fmt.date": "{weekday} {day}. {month} {year}",
    "fmt.time": "kl. {hour:02d}.{minute}",
    "nothing_saved": "Intet er gemt.",
    # general errors
    "error.unexpected": "Beklager, noget gik galt hos teambot. Prøv igen om lidt. Intet er gemt.",
    "error.cpr": (
        "Det ligner et CPR-nummer. Af hensyn til barnet gemmer teambot aldrig CPR-numre "
        "— skriv beskeden uden. Intet er gemt."
    ),
    "error.unknown_user": (
        "Jeg kender dig ikke endnu. Bed din leder om at tilføje dig i teambots medarbejderliste. Intet er gemt."
    ),
    "error.unknown_command": "Jeg kender ikke kommandoen «{command}». Skriv `/teambot hjælp` for at se, hvad jeg kan.",
    "error.unknown_subcommand": ("Jeg kender ikke «/teambot {sub}». Skriv `/teambot hjælp` for at se, hvad jeg kan."),
    # help
    "help.title": "*teambot* — det kan jeg hjælpe med:",
    "help.footer": "Børn omtales kun med deres kode (fx AK12) — aldrig navn, fødselsdato eller CPR-nummer.",
    "cmd.hjaelp.usage": "/teambot hjælp",
    "cmd.hjaelp.summary": "Viser denne oversigt.",
    "cmd.mig.usage": "/teambot mig",
    "cmd.mig.summary": "Viser dine roller, institutioner og børn.",
    "cmd.institutioner.usage": "/teambot institutioner",
    "cmd.institutioner.summary": "Viser institutionerne med type, distrikt og leder.",
    # /teambot mig
    "me.header": "*{name}* — {roles}",
    "me.institutions": "Institutioner: {names}",
    "me.no_institutions": "Du er ikke knyttet til nogen institution.",
    "me.cases": "Dine børn: {codes}",
    "me.no_cases": "Du har ingen aktive forløb.",
    # /teambot institutioner
    "inst.none": "Der er ingen institutioner endnu. En administrator indlæser dem med `teambot import`.",
    "inst.line": "*{code}* {name} ({kind}, distrikt {district}) — leder: {leads}",
    "inst.no_lead": "ingen",
    # console
    "console.welcome": (
        "teambot kører i den lokale konsol med {what}. Du er {name} ({user}).\n"
        "Skriv en kommando, fx `/teambot hjælp`. Ctrl-D afslutter."
    ),
    "console.demo": "demokommunen",
    "console.database": "databasen",
    "console.connect_slack": (
        "Slack er ikke sat op. Sæt SLACK_BOT_TOKEN og SLACK_APP_TOKEN (Socket Mode) eller "
        "SLACK_SIGNING_SECRET (HTTP) i .env — se README, «Forbind Slack»."
    ),
    "console.not_a_command": "Skriv en kommando, der starter med /, fx `/teambot hjælp`.",
    "console.sent_to": "── besked til {recipient} ──",
    "console.choices": "Valg",
    "console.bye": "Farvel.",
    "console.no_staff": "Der er ingen medarbejdere i databasen. Kør `teambot demo` eller `teambot import FIL`.",
    "console.unknown_as": "Medarbejderen «{user}» findes ikke.",
    # roster import
    "roster.problem": "{source}: {entry}, nøgle «{key}»: {message}",
    "roster.failed": "Intet er importeret: {count} fejl i {source}. Ret filen og prøv igen.",
    "roster.toml_syntax": "filen er ikke gyldig TOML ({error})",
    "roster.unreadable": "filen kan ikke læses ({error})",
    "roster.not_a_table": "skal være en tabel",
    "roster.not_array": "skal være en liste af tabeller ([[...]])",
    "roster.unknown_table": "ukendt tabel; brug municipality, institution, staff, assignment og case",
    "roster.missing": "mangler",
    "roster.not_text": "skal være en ikke-tom tekst",
    "roster.not_text_list": "skal være en liste af tekster",
    "roster.bad_date": "«{value}» er ikke en dato (ÅÅÅÅ-MM-DD)",
    "roster.bad_range": "«{value}» er ikke en dato eller periode (ÅÅÅÅ-MM-DD..ÅÅÅÅ-MM-DD)",
    "roster.unknown_role": "ukendt rolle «{value}»",
    "roster.unknown_kind": "ukendt institutionstype «{value}» (vuggestue, børnehave, integreret, dagpleje)",
    "roster.cpr": "indeholder noget, der ligner et CPR-nummer; teambot gemmer aldrig CPR-numre",
    "roster.duplicate": "«{value}» står der mere end én gang",
    "roster.bad_slack_id": "«{value}» er ikke et Slack-bruger-id (fx U0METTE01)",
    "roster.bad_email": "«{value}» er ikke en e-mailadresse",
    "roster.missing_id_or_email": "mangler id (Slack-bruger-id) eller email",
    "roster.unknown_institution": "ukendt institution «{value}»",
    "roster.unknown_staff": "ukendt medarbejder «{value}»",
    "roster.unknown_district": "ukendt distrikt «{value}»",
    "roster.institutions_or_district": "angiv enten institutions eller district (præcis én af dem)",
    "roster.bad_case_code": "«{value}» er ikke en gyldig barnekode (2–12 store bogstaver og tal, fx AK12)",
    "roster.missing_consent_date": "samtykke mangler dato",
    "roster.bad_goal": "et mål skal være 1–300 tegn",
    "roster.bad_time": "«{value}» er ikke et klokkeslæt (TT:MM)",
    "roster.bad_reminder_days": "«{value}» skal være en liste af antal dage før mødet, fx [7, 1]",
    "roster.bad_interval": "«{value}» er ikke et antal uger mellem 1 og 52",
    "import.none": "Ingen ændringer: databasen svarer allerede til {source}.",
    "import.summary": "Importeret {source}: {created} oprettet, {updated} ændret, {deactivated} deaktiveret.",
    "import.created": "+ {table} {key}",
    "import.updated": "~ {table} {key}: {fields}",
    "import.deactivated": "- {table} {key}",
    "demo.loaded": (
        "Demokommunen er indlæst: {institutions} institutioner, {staff} medarbejdere, "
        "{cases} forløb, {ratings} registreringer."
    ),
    # status meetings
    "meeting.reminder": "📅 Statusmøde for {code} {date} {time} ({institution})",
    "meeting.participants": "Deltagere: {names}",
    "meeting.participant": "{name} ({role})",
    "meeting.participant_for": "{name} ({role}, for {absent})",
    "meeting.button.confirm": "Bekræft",
    "meeting.button.move": "Flyt",
    "meeting.button.cancel": "Aflys",
    "meeting.moved_notice": "🔁 Statusmødet for {code} er flyttet fra {old} til {date} {time} af {name}.",
    "meeting.cancelled_notice": "❌ Statusmødet for {code} {date} er aflyst af {name}. Begrundelse: {reason}",
    "meeting.no_reason": "ingen angivet",
    "why.case_role": "Du får denne besked, fordi du er {role} for {code}.",
    "why.lead": "Du får denne besked, fordi du er leder for institutionen, hvor {code} går.",
    "why.substitute": "Du får denne besked, fordi du er stedfortræder for {name} ({role} for {code}).",
    "why.lead_reroute": "Du får denne besked, fordi du er leder, og beskeden ikke kunne leveres til {name}.",
    "why.lead_missed": "Du får denne besked, fordi du er leder for institutionen, hvor {code} går.",
    "outbox.rerouted": "⚠️ Denne besked kunne ikke leveres til {name} ({error}). Giv den gerne videre:",
    "outbox.missed": (
        "⚠️ En påmindelse om statusmødet for {code} {date} blev ikke sendt til {name}, "
        "fordi teambot var nede, til mødet var begyndt."
    ),
    # meeting commands
    "cmd.moeder.usage": "/teambot møder [uge]",
    "cmd.moeder.summary": "Viser dine kommende statusmøder, eller dem i en bestemt uge (fx 49 eller 53/2026).",
    "cmd.flyt.usage": "/teambot flyt <barn> <dato> [kl.]",
    "cmd.flyt.summary": "Flytter barnets næste statusmøde, fx `/teambot flyt AK12 10/3 14.30`. De andre deltagere får besked.",
    "cmd.aflys.usage": "/teambot aflys <barn> <begrundelse>",
    "cmd.aflys.summary": "Aflyser barnets næste statusmøde. De andre deltagere får besked.",
    "cmd.fravaer.usage": "/teambot fravær [fra til [stedfortræder]]",
    "cmd.fravaer.summary": (
        "Registrerer dit fravær, fx `/teambot fravær 2/3 13/3 @Ali`. Stedfortræderen får dine mødeinvitationer. "
        "Uden datoer: viser dit fravær."
    ),
    "meeting.unknown_case": "Jeg kender ikke barnet «{code}». Intet er gemt.",
    "meeting.none_ahead": "{code} har intet kommende statusmøde. Intet er gemt.",
    "meeting.not_participant": "Du deltager ikke i statusmøderne for {code}, så du kan ikke ændre dem. Intet er gemt.",
    "meeting.gone": "Det møde findes ikke længere. Skriv `/teambot møder` for at se dine møder. Intet er gemt.",
    "meeting.already_cancelled": "Statusmødet for {code} er allerede aflyst. Intet er gemt.",
    "meeting.move_past": "{date} er allerede gået. Vælg en dato fra i dag og frem. Intet er gemt.",
    "meeting.move_closed": (
        "{date} er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). Vælg en anden dato. "
        "Intet er gemt."
    ),
    "meeting.move_usage": "Skriv fx `/teambot flyt AK12 10/3` eller `/teambot flyt AK12 2027-03-10 14.30`. Intet er gemt.",
    "meeting.cancel_usage": "Skriv fx `/teambot aflys AK12 barnet er på ferie`. Intet er gemt.",
    "meeting.bad_date": "Jeg forstår ikke datoen «{text}». Skriv fx 10/3, 2027-03-10 eller tirsdag. Intet er gemt.",
    "meeting.bad_time": "Jeg forstår ikke klokkeslættet «{text}». Skriv fx 14.30. Intet er gemt.",
    "meeting.bad_week": "Jeg forstår ikke ugen «{text}». Skriv fx 49 eller 53/2026.",
    "meeting.reason_missing": "Skriv en kort begrundelse for aflysningen. Intet er gemt.",
    "meeting.reason_too_long": "Begrundelsen må højst være {max} tegn. Intet er gemt.",
    "meeting.moved": "🔁 Statusmødet for {code} er flyttet til {date} {time}. {n} deltagere får besked.",
    "meeting.cancelled": "❌ Statusmødet for {code} {date} er aflyst. {n} deltagere får besked.",
    "meeting.confirmed_by_you": "✅ Du har bekræftet. {n} af {total} har bekræftet.",
    "meeting.move_hint": "Skriv `/teambot flyt {code} <dato> [kl.]` for at flytte mødet, fx `/teambot flyt {code} 10/3`.",
    "meeting.cancel_hint": "Skriv `/teambot aflys {code} <begrundelse>` for at aflyse mødet.",
    "meeting.list_title": "*Dine kommende statusmøder*",
    "meeting.list_week": "*Dine statusmøder i uge {week} ({year})*",
    "meeting.list_empty": "Du har ingen kommende statusmøder.",
    "meeting.list_empty_week": "Du har ingen statusmøder i uge {week}.",
    "meeting.list_line": "• {date} {time} — {code} ({institution}) · {state}",
    "meeting.state_confirmed": "{n} af {total} har bekræftet",
    "meeting.state_cancelled": "aflyst",
    "meeting.modal.move_title": "Flyt statusmøde",
    "meeting.modal.cancel_title": "Aflys statusmøde",
    "meeting.modal.new_date": "Ny dato",
    "meeting.modal.reason": "Begrundelse",
    "meeting.modal.submit": "Gem",
    "meeting.modal.close": "Fortryd",
    "meeting.modal.about": "Statusmødet for *{code}* {date}",
    "absence.usage": "Skriv fx `/teambot fravær 2/3 13/3 @Ali` (fra, til og evt. stedfortræder). Intet er gemt.",
    "absence.bad_date": "Jeg forstår ikke datoen «{text}». Skriv fx 2/3 eller 2027-03-02. Intet er gemt.",
    "absence.end_before_start": "Slutdatoen ligger før startdatoen. Intet er gemt.",
    "absence.past": "Fraværet er allerede slut. Intet er gemt.",
    "absence.too_long": "Et fravær kan højst vare et år. Intet er gemt.",
    "absence.unknown_substitute": (
        "Jeg kender ikke stedfortræderen «{text}». Nævn personen med @ eller skriv det fulde navn. Intet er gemt."
    ),
    "absence.self_substitute": "Du kan ikke være din egen stedfortræder. Intet er gemt.",
    "absence.recorded": "🗓️ Dit fravær {start} – {end} er registreret. Du får ingen mødeinvitationer i perioden.",
    "absence.recorded_with": (
        "🗓️ Dit fravær {start} – {end} er registreret. {name} får dine mødeinvitationer i perioden."
    ),
    "absence.none": "Du har intet registreret fravær.",
    "absence.list_title": "*Dit fravær*",
    "absence.list_line": "• {start} – {end} · stedfortræder: {substitute}",
    "absence.no_substitute": "ingen",
}
