"""Danish catalog: the default and complete one."""

from teambot.i18n.da_visits import MESSAGES as _VISITS

_EXTRA: tuple[dict[str, str], ...] = (_VISITS,)

MESSAGES: dict[str, str] = {
    # formats
    "weekday": "mandag,tirsdag,onsdag,torsdag,fredag,lørdag,søndag",
    "month": "januar,februar,marts,april,maj,juni,juli,august,september,oktober,november,december",
    "fmt.date": "{weekday} {day}. {month} {year}",
    "fmt.time": "kl. {hour:02d}.{minute}",
    "fmt.period": "{start} – {end}",
    "nothing_saved": "Intet er gemt.",
    # general errors
    "error.unexpected": "Beklager, noget gik galt hos teambot. Prøv igen om lidt. Intet er gemt.",
    "error.cpr_or_time": (
        "Det ligner et CPR-nummer: en dato med fire cifre efter. Af hensyn til barnet gemmer teambot aldrig "
        "CPR-numre. Er de fire cifre et klokkeslæt, så skriv det med punktum, fx 14.00. Intet er gemt."
    ),
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
    "cmd.mig.summary": "Viser dine roller, institutioner, børn og de forløb, du er konsulent på.",
    "cmd.institutioner.usage": "/teambot institutioner",
    "cmd.institutioner.summary": "Viser institutionerne med type, distrikt og leder.",
    # /teambot mig
    "me.header": "*{name}* — {roles}",
    "me.institutions": "Institutioner: {names}",
    "me.no_institutions": "Du er ikke knyttet til nogen institution.",
    "me.cases": "Dine børn: {codes}",
    "me.consulted": "Forløb som konsulent: {codes}",
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
    "roster.unknown_key": "ukendt nøgle — stavefejl? Se README, «Roster file»",
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
    "roster.paedagog_elsewhere": "{name} er forløbets pædagog, men arbejder ikke i {institution}: giv forløbet en ny pædagog, eller behold {name} i {institution}",
    "roster.paedagog_gone": "{name} er forløbets pædagog, men står ikke længere i filen: giv forløbet en ny pædagog, eller behold {name} i filen",
    "roster.unknown_staff": "ukendt medarbejder «{value}»",
    "roster.unknown_district": "ukendt distrikt «{value}»",
    "roster.institutions_or_district": "angiv enten institutions eller district (præcis én af dem)",
    "roster.bad_case_code": "«{value}» er ikke en gyldig barnekode (2–12 store bogstaver og tal med mindst ét bogstav og ét tal, fx AK12)",
    "roster.case_code_without_digit": "«{value}» kan ikke bruges som kode for et nyt forløb: koden skal indeholde mindst ét tal, fx AK12, så et barns navn aldrig bliver brugt som kode",
    "roster.missing_consent_date": "samtykke mangler dato",
    "roster.bad_goal": "et mål skal være 1–300 tegn",
    "roster.bad_time": "«{value}» er ikke et klokkeslæt (TT:MM)",
    "roster.time_outside_day": "«{value}» ligger uden for arbejdsdagen; skriv et klokkeslæt fra {earliest} til {latest}",
    "roster.bad_reminder_days": "«{value}» skal være en liste af antal dage før mødet, fx [7, 1]",
    "roster.bad_interval": "«{value}» er ikke et antal uger mellem 1 og 52",
    "import.none": "Ingen ændringer: databasen svarer allerede til {source}.",
    "import.summary": "Importeret {source}: {created} oprettet, {updated} ændret, {deactivated} deaktiveret.",
    "import.created": "+ {table} {key}",
    "import.updated": "~ {table} {key}: {fields}",
    "import.deactivated": "- {table} {key}",
    "import.kept": "= {table} {key}: {fields} ændret i Slack; filen ændrer det ikke",
    "import.demo_database": "Databasen rummer demokommunen (fra `make run` uden Slack). Importér jeres medarbejderliste i en ny database: sæt TEAMBOT_DATABASE_URL, eller flyt teambot.db væk.",
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
    "meeting.closed_day_notice": (
        "🔁 Statusmødet for {code} er flyttet fra {old} til {date} {time}: {old} er blevet lukkedag i institutionen."
    ),
    "meeting.cancelled_notice": "❌ Statusmødet for {code} {date} er aflyst af {name}. Begrundelse: {reason}",
    "meeting.no_reason": "ingen angivet",
    "why.case_role": "Du får denne besked, fordi du er {role} for {code}.",
    "why.lead": "Du får denne besked, fordi du er leder for institutionen, hvor {code} går.",
    "why.substitute": "Du får denne besked, fordi du er stedfortræder for {name} ({role} for {code}).",
    "why.lead_reroute": "Du får denne besked, fordi du er leder, og beskeden ikke kunne leveres til {name}.",
    "why.lead_missed": "Du får denne besked, fordi du er leder for institutionen, hvor {code} går.",
    "outbox.rerouted": "⚠️ Denne besked kunne ikke leveres til {name} ({error}). Giv den gerne videre:",
    "outbox.missed": (
        "⚠️ Påmindelserne om statusmødet for {code} {date} blev ikke sendt, fordi teambot var nede, "
        "til mødet var begyndt. Tjek gerne, at alle deltagere vidste besked."
    ),
    # meeting commands
    "cmd.moeder.usage": "/teambot møder [uge]",
    "cmd.moeder.summary": "Viser dine kommende statusmøder, eller dem i en bestemt uge (fx 49 eller 53/2026).",
    "cmd.flyt.usage": "/teambot flyt <barn> <dato> [kl.]",
    "cmd.flyt.summary": "Flytter barnets næste statusmøde, fx `/teambot flyt AK12 10/3 14.30`. De andre deltagere får besked.",
    "cmd.aflys.usage": "/teambot aflys <barn> <begrundelse>",
    "cmd.aflys.summary": "Aflyser barnets næste statusmøde. De andre deltagere får besked.",
    "cmd.fravaer.usage": "/teambot fravær [fra til [stedfortræder] | slet [dag]]",
    "cmd.fravaer.summary": (
        "Registrerer dit fravær, fx `/teambot fravær 2/3 13/3 @Ali`. Stedfortræderen får dine mødeinvitationer og dine børn med i sin daglige påmindelse om registreringer. "
        "Uden datoer: viser dit fravær. `/teambot fravær slet 2/3` sletter fraværet den dag (et, der er begyndt, slutter i går)."
    ),
    "meeting.unknown_case": "Jeg kender ikke barnet «{code}». Intet er gemt.",
    "meeting.none_ahead": "{code} har intet kommende statusmøde. Intet er gemt.",
    "meeting.not_participant": "Du deltager ikke i statusmøderne for {code}, så du kan ikke ændre dem. Intet er gemt.",
    "meeting.gone": "Det møde findes ikke længere. Skriv `/teambot møder` for at se dine møder. Intet er gemt.",
    "meeting.already_cancelled": "Statusmødet for {code} er allerede aflyst. Intet er gemt.",
    "meeting.already_held": "Statusmødet for {code} {date} er holdt og kan ikke flyttes eller aflyses. Intet er gemt.",
    "meeting.move_same": "Statusmødet for {code} ligger allerede {date} {time}. Intet er gemt.",
    "meeting.move_past": "{date} er allerede gået. Vælg en dato fra i dag og frem. Intet er gemt.",
    "meeting.move_closed": (
        "{date} er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). Vælg en anden dato. "
        "Intet er gemt."
    ),
    "meeting.move_usage": "Skriv fx `/teambot flyt AK12 10/3` eller `/teambot flyt AK12 2027-03-10 14.30`. Intet er gemt.",
    "meeting.cancel_usage": "Skriv fx `/teambot aflys AK12 barnet er på ferie`. Intet er gemt.",
    "meeting.bad_date": "Jeg forstår ikke datoen «{text}». Skriv fx 10/3, 2027-03-10 eller tirsdag. Intet er gemt.",
    "meeting.bad_time": "Jeg forstår ikke klokkeslættet «{text}». Skriv fx 14.30. Intet er gemt.",
    "meeting.time_outside_day": "Et statusmøde kan begynde fra {earliest} til {latest}, ikke {time}. Skriv fx 14.30. Intet er gemt.",
    "meeting.bad_week": "Jeg forstår ikke ugen «{text}». Skriv fx 49 eller 53/2026.",
    "meeting.week_out_of_reach": "Jeg viser kun møder i uger fra {first} til {last}, ikke «{text}». Skriv fx 49 eller 49/{last}.",
    "meeting.week_not_in_year": "{year} har kun {weeks} uger. Skriv fx {weeks}/{year}.",
    "meeting.reason_missing": "Skriv en kort begrundelse for aflysningen. Intet er gemt.",
    "meeting.reason_too_long": "Begrundelsen må højst være {max} tegn. Intet er gemt.",
    "meeting.moved": "🔁 Statusmødet for {code} er flyttet til {date} {time}. {n} deltagere får besked.",
    "meeting.cancelled": "❌ Statusmødet for {code} {date} er aflyst. {n} deltagere får besked.",
    "meeting.moved.one": "🔁 Statusmødet for {code} er flyttet til {date} {time}. 1 deltager får besked.",
    "meeting.cancelled.one": "❌ Statusmødet for {code} {date} er aflyst. 1 deltager får besked.",
    "meeting.away_substitute": "⚠️ {name} ({role}) er fraværende den dag; stedfortræderen {substitute} får mødets beskeder i stedet.",
    "meeting.away_alone": "⚠️ {name} ({role}) er fraværende den dag og har ingen stedfortræder, der kan få mødets beskeder.",
    "meeting.away_self_substitute": "⚠️ Du er selv fraværende den dag; din stedfortræder {substitute} får mødets beskeder i stedet.",
    "meeting.away_self_alone": "⚠️ Du er selv fraværende den dag og har ingen stedfortræder, der kan få mødets beskeder.",
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
    "absence.usage": (
        "Skriv fx `/teambot fravær 2/3 13/3 @Ali` (fra, til og evt. stedfortræder) eller `/teambot fravær slet 2/3`."
        " Intet er gemt."
    ),
    "absence.bad_date": "Jeg forstår ikke datoen «{text}». Skriv fx 2/3 eller 2027-03-02. Intet er gemt.",
    "absence.end_before_start": "Slutdatoen ligger før startdatoen. Intet er gemt.",
    "absence.past": "Fraværet er allerede slut. Intet er gemt.",
    "absence.too_long": "Et fravær kan højst vare et år. Intet er gemt.",
    "absence.end_wraps": (
        "Slutdatoen «{typed}» bliver {end}, over et halvt år efter {start}. Har du byttet om på datoerne? Skriv den første"
        " dag først. Skal fraværet vare så længe, så skriv året med: {typed}/{year}. Intet er gemt."
    ),
    "absence.unknown_substitute": (
        "Jeg kender ikke stedfortræderen «{text}». Nævn personen med @ eller skriv det fulde navn. Intet er gemt."
    ),
    "absence.self_substitute": "Du kan ikke være din egen stedfortræder. Intet er gemt.",
    "absence.recorded": "🗓️ Dit fravær {period} er registreret. Du får ingen mødeinvitationer i perioden.",
    "absence.recorded_with": ("🗓️ Dit fravær {period} er registreret. {name} får dine mødeinvitationer i perioden."),
    "absence.recorded_unreachable": (
        "🗓️ Dit fravær {period} er registreret. Ingen får dine mødeinvitationer i perioden, så længe {name} "
        "ikke kan få beskeder fra teambot på Slack."
    ),
    "absence.children_nobody": "Ingen får en påmindelse om dine børns registreringer.",
    "absence.children_all": "{name} får dine børn med i sin daglige påmindelse om registreringer.",
    "absence.children_none": (
        "{name} kan ikke registrere for {codes}, så ingen får en påmindelse om de registreringer."
    ),
    "absence.children_some": (
        "{name} får {codes} med i sin daglige påmindelse om registreringer, men kan ikke registrere for {left}, "
        "så ingen får en påmindelse om de registreringer."
    ),
    "absence.substitute_away": (
        "{name} er selv væk {period}; de dage får ingen en påmindelse om dine børns registreringer."
    ),
    "absence.overlaps": (
        "Du havde allerede fravær {earlier_period} (stedfortræder: {substitute}); på de dage gælder det stadig."
    ),
    "absence.recorded_covered": (
        "🗓️ Dit fravær {period} er registreret, men dit fravær {earlier_period} "
        "(stedfortræder: {substitute}) dækker allerede de dage og gælder stadig."
    ),
    "absence.visit_to": "Dit konsulentbesøg i {institution} {date} går til {name}.",
    "absence.visit_leads": (
        "Ledelsen i {institution} får beskederne om dit konsulentbesøg {date}, da ingen står i dit sted."
    ),
    "absence.visit_nobody": (
        "Ingen får beskederne om dit konsulentbesøg i {institution} {date}: ingen står i dit sted, og institutionen "
        "har ingen leder på Slack. Aftal selv med institutionen, hvad der sker med besøget."
    ),
    "absence.visit_nobody_leads_away": (
        "Ingen får beskederne om dit konsulentbesøg i {institution} {date}: ingen står i dit sted, og ledelsen er også "
        "fraværende uden stedfortræder. Aftal selv med institutionen, hvad der sker med besøget."
    ),
    "absence.lead_messages_to": "{name} får din fredagsstatus og dine beskeder om konsulentbesøg i perioden.",
    "absence.lead_messages_nobody": "Ingen får din fredagsstatus eller dine beskeder om konsulentbesøg i perioden.",
    "absence.visit_messages_to": "{name} får dine beskeder om konsulentbesøg i perioden.",
    "absence.visit_messages_nobody": "Ingen får dine beskeder om konsulentbesøg i perioden.",
    "absence.cafe_invited": (
        "Du er inviteret til småbørnscaféen i {institution} {date} {time}, som ligger i dit fravær: "
        "tryk «{button}» i invitationen, så spørger jeg en kollega."
    ),
    "absence.visit_still_yours": (
        "Konsulentbesøget i {institution} {date}, som du tager for {name}, går stadig til dig, selvom du selv er fraværende."
    ),
    "absence.cafe_invited_lead": (
        "Du er inviteret til småbørnscaféen i {institution} {date} {time}, som ligger i dit fravær: "
        "tryk «{button}» i invitationen."
    ),
    "absence.cafe_count_nobody": (
        "☕ Ingen bliver spurgt om antal børn til småbørnscaféen i {institution} {dates}: ingen står i dit sted, "
        "og ingen anden leder kan få spørgsmålet."
    ),
    "absence.none": "Du har intet registreret fravær.",
    "absence.list_title": "*Dit fravær*",
    "absence.list_line": "• {period} · stedfortræder: {substitute}",
    "absence.no_substitute": "ingen",
    "absence.list_hint": "Slet et fravær med `/teambot fravær slet <dag>`.",
    "absence.delete_usage": "Skriv fx `/teambot fravær slet 2/3` (en dag i fraværet). Intet er gemt.",
    "absence.delete_nothing": "Du har intet kommende fravær at slette. Intet er gemt.",
    "absence.delete_which": (
        "Du har flere fraværsperioder registreret: {absences}. Skriv en dag i det, du vil slette, fx `/teambot fravær slet "
        "2/3`. Intet er gemt."
    ),
    "absence.delete_none_on": "Du har intet kommende fravær, der dækker {date}. Dit fravær: {absences}. Intet er gemt.",
    "absence.delete_several": (
        "Flere af dine fraværsperioder dækker {date}: {absences}. Skriv den første dag i det, du vil slette. Intet er gemt."
    ),
    "absence.deleted": "🗑️ Dit fravær {period} er slettet.",
    "absence.back": "Dine mødeinvitationer og påmindelser i perioden går igen til dig.",
    "absence.back_from_today": "Dine mødeinvitationer og påmindelser går igen til dig fra i dag.",
    "absence.cut_short": "🗓️ Dit fravær {period} er afkortet, så det sluttede i går, {last}.",
    "absence.still_away": (
        "Dit fravær {period} gælder stadig, så på de dage går dine beskeder fortsat, som det bestemmer."
    ),
    "absence.lead_back": "Din fredagsstatus og dine beskeder om konsulentbesøg går også til dig igen.",
    "absence.visit_back": "Dit konsulentbesøg i {institution} {date} er dit igen.",
    # ratings
    "cmd.rating.usage": "/rating <barn> [dato] [mål] <1-4> [note]",
    "cmd.rating.summary": (
        "Registrerer dagens bedømmelse af et mål, fx `/rating AK12 3` eller `/rating AK12 2 4 øvede med billedkort`. "
        "Dato for efterregistrering (højst 7 dage): `/rating AK12 i går 3`. Kun `/rating`: alle dine børn på én gang. "
        "`/rating mangler`: dagens manglende mål med knapper."
    ),
    "rating.recorded": "✅ Registreret: {code}, mål {number} «{goal}» — {date}: *{value} af 4*.",
    "rating.corrected": "✏️ Ændret: {code}, mål {number} — {date}: ændret fra {old} til *{new}*.",
    "rating.note_changed": "✏️ Ændret: {code}, mål {number} — {date}: ny note, bedømmelsen er stadig *{value} af 4*.",
    "rating.unchanged": "☑️ Uændret: {code}, mål {number} — {date}: var allerede registreret med *{value} af 4*.",
    "rating.note": "Note: {note}",
    "rating.note_kept": "Noten «{note}» står stadig.",
    "rating.unknown_child": "Jeg kender ikke barnet «{code}». Du kan registrere for: {mine}. Intet er gemt.",
    "rating.unknown_child_none": "Jeg kender ikke barnet «{code}», og du har ingen børn at registrere for. Intet er gemt.",
    "rating.case_closed": "Forløbet for {code} er lukket, så der kan ikke registreres mere. Intet er gemt.",
    "rating.no_goals": "{code} har ingen aktive mål endnu. Tilføj et med `/teambot forløb mål {code} <tekst>`. Intet er gemt.",
    "rating.which_goal": "{code} har flere mål — skriv målets nummer før bedømmelsen, fx `/rating {code} 1 3`:\n{goals}\nIntet er gemt.",
    "rating.unknown_goal": "{code} har intet aktivt mål {number}. Målene er:\n{goals}\nIntet er gemt.",
    "rating.goal_line": "{number}. {text}",
    "rating.goals_title": "*Mål for {code}*",
    "rating.how": "Registrér med `/rating {code} <mål> <1-4> [note]`.",
    "rating.input_empty": "Skriv barnets kode og en bedømmelse fra 1 til 4, fx `/rating AK12 3`. Intet er gemt.",
    "rating.input_not_a_number": "«{value}» er ikke en bedømmelse. Skriv et helt tal fra 1 til 4, fx `/rating AK12 3`. Intet er gemt.",
    "rating.input_bad_date": "Datoen «{value}» findes ikke. Skriv fx `/rating AK12 4/3 3` eller `/rating AK12 i går 3`. Intet er gemt.",
    "rating.input_missing_value": "Skriv en bedømmelse fra 1 til 4 efter datoen, fx `/rating AK12 i går 3`. Intet er gemt.",
    "rating.input_out_of_range": "Bedømmelsen skal være fra 1 til 4 — du skrev {value}. Intet er gemt.",
    "rating.input_note_too_long": "Noten er {value} tegn; den må højst være {max}. Intet er gemt.",
    "rating.day_future": "{date} er ikke kommet endnu — du kan kun registrere for i dag og dagene før. Intet er gemt.",
    "rating.day_too_old": "{date} er mere end 7 dage siden; så langt tilbage kan der ikke registreres. Intet er gemt.",
    "rating.day_before_start": "{date} er før forløbet eller målet startede. Intet er gemt.",
    "rating.day_after_close": "{date} er efter forløbet blev lukket. Intet er gemt.",
    "rating.day_closed": "{date} er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). Intet er gemt.",
    "rating.todo_none": "Du har ingen mål at registrere {date}.",
    "rating.no_children": "Du har ingen børn med aktive mål at registrere for.",
    "rating.modal.title": "Dagens registrering",
    "rating.modal.submit": "Gem",
    "rating.modal.intro": "Dagens registrering for {date}: giv hvert mål 1–4 og gem. Tomme mål springes over.",
    "rating.modal.goal": "{code} · mål {number}: {text}",
    "rating.modal.note": "Note for {code}: hvad gjorde I for at hjælpe? (valgfri)",
    "rating.modal.more": "Flere børn ({codes}) er ikke med her — brug `/rating <barn> …` for dem.",
    "rating.modal.done": "✅ Registreret for {date}:",
    "rating.modal.unchanged": "☑️ Ingen ændringer for {date}:",
    "rating.modal.nothing": "Du valgte ingen bedømmelser. Intet er gemt.",
    "rating.modal.expired": "Formularen er udløbet. Skriv `/rating` igen. Intet er gemt.",
    "rating.modal.stale": "Målet findes ikke længere eller er afsluttet. Skriv `/rating` igen. Intet er gemt.",
    "rating.modal.note_without_rating": "Noten til {code} gemmes med en bedømmelse: giv mindst ét af {code}'s mål 1–4, eller slet noten. Intet er gemt.",
    "nudge.headline": "📝 Husk dagens registreringer — {date}",
    "nudge.todo": "{n} af {total} mål mangler. Tryk 1–4 for hvert mål.",
    "nudge.all_done": "Alle dagens mål er registreret. Tak!",
    "nudge.goal": "*{code}* · mål {number} «{text}»",
    "nudge.recorded": "✅ {label}: *{value} af 4* — registreret af {name}",
    "nudge.unchanged": "☑️ {label}: *{value} af 4* — var allerede registreret af {name}",
    "why.nudge": "Du får denne besked, fordi du er pædagog for {codes} og ikke har registreret alle mål i dag.",
    "nudge.on_behalf": "👥 På vegne af *{name}*, som du er stedfortræder for:",
    "nudge.colleague": "{name} ({codes})",
    "nudge.and": " og ",
    "nudge.more_one": "… og 1 mål mere ({codes}): registrér det i dagens formular.",
    "nudge.more": "… og {n} mål mere ({codes}): registrér dem i dagens formular.",
    "nudge.open_form": "Åbn formularen",
    "why.nudge_substitute": (
        "Du får denne besked, fordi du er stedfortræder for {colleagues}, og ikke alle mål er registreret i dag."
    ),
    "why.nudge_own_and_substitute": (
        "Du får denne besked, fordi du er pædagog for {codes} og stedfortræder for {colleagues}, "
        "og ikke alle mål er registreret i dag."
    ),
    "console.form_start": "Udfyld formularen linje for linje (en tom linje springer et valgfrit felt over):",
    "console.form_closed": "Formularen er lukket uden at gemme.",
    "console.date_hint": "ÅÅÅÅ-MM-DD",
    "console.skip_hint": "tom = spring over",
    # cases
    "cmd.forloeb.usage": "/teambot forløb <barn> | opret | start | mål | afslut | konsulent | samtykke | luk",
    "cmd.forloeb.summary": (
        "Viser og styrer et barns forløb: `forløb AK12` viser det; `forløb opret AK13 [institution] [@pædagog] [startmøde]`, "
        "`forløb start AK12 <dato>`, `forløb mål AK12 <tekst>`, `forløb afslut AK12 <mål-nr>`, `forløb konsulent AK12 @person`, "
        "`forløb samtykke AK12 psykolog,tale-hørekonsulent [dato]` (eller `ingen`), `forløb luk AK12`. "
        "Kun ledere og barnets pædagog kan ændre."
    ),
    "case.usage": "Skriv fx `/teambot forløb AK12` eller `/teambot forløb opret AK13`. Se `/teambot hjælp`.",
    "case.unknown_or_not_yours": "Jeg kender ikke forløbet «{code}», eller du må ikke ændre det (kun ledere og barnets pædagog). Intet er gemt.",
    "case.unknown_or_hidden": "Jeg kender ikke forløbet «{code}», eller du har ikke adgang til det. Intet er vist.",
    "case.unknown_person": "Jeg kender ikke «{text}». Nævn personen med @ eller skriv det fulde navn. Intet er gemt.",
    "case.title": "*Forløb {code}* · {institution} · {status}",
    "case.status_active": "aktivt",
    "case.status_closed": "lukket",
    "case.status_closed_on": "lukket {date}",
    "case.paedagog_line": "Pædagog: {name}",
    "case.consultants_line": "Konsulenter: {names}",
    "case.consent_line": "Samtykke ({date}): {professions}",
    "case.no_consent": "Samtykke: intet — teambot deler intet med konsulenterne.",
    "case.start_line": "Opstartsmøde: {date}",
    "case.no_start": "Opstartsmøde: ikke sat — statusmøderne planlægges, når det er sat.",
    "case.goals_title": "Mål:",
    "case.no_goals": "Ingen aktive mål. Tilføj med `/teambot forløb mål {code} <tekst>`.",
    "case.no_goals_closed": "Ingen aktive mål.",
    "case.no_start_closed": "Opstartsmøde: ikke sat",
    "case.create_usage": "Skriv fx `/teambot forløb opret AK13 SOL @Mette 2027-02-11` (kode, evt. institution, pædagog og opstartsmøde). Intet er gemt.",
    "case.bad_code": "«{code}» er ikke en gyldig barnekode: 2–12 store bogstaver og tal med mindst ét bogstav og ét tal, fx AK12 — aldrig navn eller fødselsdato. Intet er gemt.",
    "case.code_without_digit": "«{code}» kan ikke bruges som barnekode: koden skal indeholde mindst ét tal, fx AK12, så et barns navn aldrig bliver brugt som kode. Intet er gemt.",
    "case.exists": "Der findes allerede et forløb med koden {code}. Vælg en anden kode. Intet er gemt.",
    "case.which_institution": "Skriv hvilken institution forløbet hører til: {codes}. Intet er gemt.",
    "case.not_your_institution": "Du hører ikke til institutionen «{code}», så du kan ikke oprette forløb der. Intet er gemt.",
    "case.only_lead_assigns": "Kun en leder kan oprette et forløb for en anden pædagog. Intet er gemt.",
    "case.not_a_paedagog": "{name} er ikke pædagog. Intet er gemt.",
    "case.paedagog_elsewhere": "{name} arbejder ikke i {institution}. Intet er gemt.",
    "case.created": "📂 Forløbet {code} er oprettet i {institution} med {name} som pædagog. {when}",
    "case.created_start": "Opstartsmøde {date}; statusmøderne planlægges herfra.",
    "case.created_no_start": "Sæt opstartsmødet med `/teambot forløb start {code} <dato>`, så planlægges statusmøderne.",
    "case.start_usage": "Skriv fx `/teambot forløb start AK12 2027-03-01` (barnet og opstartsmødets dato). Intet er gemt.",
    "case.start_already": "Forløbet {code} har allerede opstartsmøde {date}, og statusmøderne følger det. Intet er gemt.",
    "case.start_closed": (
        "{date} er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). Opstartsmødet skal ligge på"
        " en arbejdsdag. Intet er gemt."
    ),
    "meeting.move_too_far": "Et statusmøde kan højst flyttes {n} uger frem, til {latest}, ikke til {date}. Intet er gemt.",
    "meeting.move_too_far.one": "Et statusmøde kan højst flyttes 1 uge frem, til {latest}, ikke til {date}. Intet er gemt.",
    "case.start_out_of_range": "Opstartsmødet kan ligge højst {weeks} uger tilbage og højst et år frem, ikke {date}. Skriv den rigtige dato. Intet er gemt.",
    "case.start_set": "📅 Opstartsmødet for {code} er sat til {date}; statusmøderne planlægges herfra.",
    "case.goal_usage": "Skriv fx `/teambot forløb mål AK12 Tager selv overtøj på`. Intet er gemt.",
    "case.goal_too_long": "Et mål må højst være {max} tegn. Intet er gemt.",
    "case.goal_added": "🎯 Mål {number} for {code}: «{text}» er tilføjet.",
    "case.end_goal_usage": "Skriv fx `/teambot forløb afslut AK12 2` (barn og målets nummer). Intet er gemt.",
    "case.no_such_goal": "{code} har intet aktivt mål {number}. Intet er gemt.",
    "case.goal_ended": "🏁 Mål {number} for {code} «{text}» er afsluttet.",
    "case.consultant_usage": "Skriv fx `/teambot forløb konsulent AK12 @Peter`. Intet er gemt.",
    "case.not_a_consultant": "{name} er ikke konsulent (fx psykolog eller tale-hørekonsulent). Intet er gemt.",
    "case.consultant_exists": "{name} er allerede konsulent på {code}. Intet er gemt.",
    "case.consultant_added": "👥 {name} er nu konsulent på {code} og inviteres til statusmøderne.",
    "case.consultant_needs_consent": "Samtykket dækker ikke {role} endnu, så {role} ser ingen registreringer, før det er givet.",
    "case.consent_usage": "Skriv fx `/teambot forløb samtykke AK12 psykolog,tale-hørekonsulent 2027-02-11` eller `ingen`. Intet er gemt.",
    "case.bad_consent_date": "«{text}» er ikke en dato i dag eller før. Intet er gemt.",
    "case.consent_too_early": "Samtykket kan ikke være fra {date}: det er mere end et år før forløbets opstartsmøde ({start}). Skriv den dato, forældrene gav samtykke. Intet er gemt.",
    "case.consent_too_early_no_start": "Samtykket kan ikke være fra {date}: det er mere end et år siden. Skriv den dato, forældrene gav samtykke. Intet er gemt.",
    "case.unknown_profession": "«{text}» er ikke en konsulentfaggruppe (psykolog, tale-hørekonsulent, sundhedsplejerske, småbørnskonsulent, fysioterapeut, socialrådgiver). Intet er gemt.",
    "case.consent_recorded": "🤝 Samtykke for {code} er registreret ({date}): {professions}.",
    "case.consent_withdrawn": "🤝 Samtykket for {code} er trukket tilbage: teambot deler intet med konsulenterne.",
    "case.close_usage": "Skriv fx `/teambot forløb luk AK12`. Intet er gemt.",
    "case.already_closed": "Forløbet {code} er allerede lukket. Intet er gemt.",
    "case.closed": "🔒 Forløbet {code} er lukket {date}. Kommende statusmøder og påmindelser er aflyst.",
    # the week (/uge)
    "cmd.uge.usage": "/uge [uge[/år]] [institution]",
    "cmd.uge.summary": (
        "Ugens status: registreringer dag for dag, gennemsnit, udvikling, hvad der mangler, ugens møder og advarsler. "
        "Fx `/uge`, `/uge 47`, `/uge 53/2026 SOL`. Ledere ser hele institutionen, andre deres egne børn."
    ),
    "week.title": "Uge {week} ({year}) · {institution}",
    "week.today": "{done} af {due} registreringer i dag",
    "week.today.one": "{done} af 1 registrering i dag",
    "week.goal_label": "{code} · mål {number} «{text}»",
    "week.mean": "gns. {mean}",
    "week.no_mean": "gns. –  ",
    "week.met": "{pct} % nået",
    "week.flag_low": "⚠️ 2. uge under 2",
    "week.more": "… og {n} mål mere, som ikke er plads til her. Skriv `/uge` med institutionens kode for at se én ad gangen.",
    "week.no_goals": "Ingen aktive mål i denne uge.",
    "week.missing_today": "Mangler i dag: {who}",
    "week.away_today": "Fraværende i dag: {names}",
    "week.away_covered": "{name} (stedfortræder {substitute}: {done} af {due} registreret)",
    "week.missing_week": "Mangler denne uge (registreringer): {who}",
    "week.missing_of_which": "{name} {n} (heraf {parts})",
    "week.missing_with_substitute": "{n} på dage med stedfortræder {substitute}",
    "week.substitute_namesake": "{name} ({days})",
    "week.namesake": "{name} ({codes})",
    "week.codes_more": "{codes} m.fl.",
    "week.away_covered_namesake": "{name} ({codes}; stedfortræder {substitute}: {done} af {due} registreret)",
    "week.this_week": "Denne uge: {items}",
    "week.meeting": "statusmøde {code} {weekday} {time} ({state})",
    "week.meeting_confirmed": "{n} af {total} har bekræftet",
    "week.meeting_cancelled": "aflyst",
    "week.meeting_held": "afholdt",
    "week.flag_silent": "⚠️ Ingen registreringer i 5 arbejdsdage: {codes}",
    "week.flag_overdue": "⚠️ Statusmøde overskredet: {codes}",
    "week.not_your_institution": "Du hører ikke til institutionen «{code}», så du kan ikke se dens uge. Skriv `/uge` for dine egne.",
    "week.bad_week": "Jeg forstår ikke ugen «{text}». Skriv fx `/uge 47` eller `/uge 53/2026`.",
    "week.year_out_of_reach": "Jeg viser kun uger fra {first} til {last}, ikke «{text}». Skriv fx `/uge 47` eller `/uge 47/{last}`.",
    "week.not_in_year": "{year} har kun {weeks} uger. Skriv fx `/uge {weeks}/{year}`.",
    "week.nothing": "Der er intet at vise for dig i uge {week} ({year}).",
    "week.split_hint": "Flere institutioner end der er plads til: skriv `/uge <institution>` for én ad gangen.",
    # App Home
    "cmd.hjem.usage": "/teambot hjem",
    "cmd.hjem.summary": "Viser din forside: ugens status (ledere), dagens registreringer med knapper (pædagoger) og dine kommende møder.",
    "home.title": "teambot · {name}",
    "home.meetings": "*Dine kommende statusmøder*",
    "home.meeting_line": "• {date} {time} — {code} ({institution})",
    "home.more": "Der er mere, end forsiden kan vise: brug `/uge` og `/teambot møder`.",
    "digest.pending": "Ugens status følger.",
    "why.digest": "Du får denne besked, fordi du er leder, og det er fredag: ugens status for dine institutioner.",
    "why.digest_early": "Du får denne besked, fordi du er leder, og {weekday} er ugens sidste arbejdsdag: ugens status for dine institutioner.",
    "why.digest_substitute": (
        "Du får denne besked, fordi du er stedfortræder for {name} (leder), og det er fredag: ugens status for "
        "institutionerne."
    ),
    "why.digest_early_substitute": (
        "Du får denne besked, fordi du er stedfortræder for {name} (leder), og {weekday} er ugens sidste arbejdsdag: "
        "ugens status for institutionerne."
    ),
    # progress report
    "cmd.rapport.usage": "/teambot rapport <barn> [fra] [til]",
    "cmd.rapport.summary": "Forløbsrapport til statusmødet: graf og PDF med registreringer, ugegennemsnit og noter. Som standard siden sidste statusmøde.",
    "report.usage": "Skriv fx `/teambot rapport AK12` eller `/teambot rapport AK12 2027-02-01 2027-03-31`.",
    "report.end_before_start": "Slutdatoen ligger før startdatoen. Intet er lavet.",
    "report.too_long": "En rapport kan højst dække {days} dage. Vælg en kortere periode.",
    "report.future": "En rapport begynder senest i dag: {date} ligger efter. Intet er lavet.",
    "report.ready": "📈 Forløbsrapport for {code}, {start} – {end} ({n} registreringer): graf og PDF til udskrift.",
    "report.ready.one": "📈 Forløbsrapport for {code}, {start} – {end} (1 registrering): graf og PDF til udskrift.",
    "report.chart_title": "Forløb {code} — graf",
    "report.pdf_title": "Forløb {code} — rapport til udskrift",
    "report.title": "{code} · forløbsrapport {start} – {end}",
    "report.goal_legend": "Mål {number}: {text}",
    "report.meeting_mark": "statusmøde",
    "report.axis_rating": "Bedømmelse (1–4)",
    "report.footer": "{institution} · kun barnets kode vises · lavet med teambot",
    "report.table_title": "Forløb {code} — ugegennemsnit pr. mål",
    "report.table_week": "Uge",
    "report.table_goal": "Mål {number}",
    "report.week_label": "{week}/{year}",
    "report.goals_title": "Mål:",
    "report.notes_title": "Hvad vi gjorde for at hjælpe:",
    "report.note_line": "{date}  mål {number}: {note}",
    "report.no_notes": "Ingen noter i perioden.",
    "console.file_saved": "📎 Gemt: {path}",
    # monitoring and cost
    "cmd.overblik.usage": "/teambot overblik [kvartal]",
    "cmd.overblik.summary": "For ledere: forløb, mål, registreringsgrad, mål nået, statusmøder og tidsforbrug pr. institution for et kvartal (fx K1 eller 2027-K2). Kun samlede tal.",
    "overview.leads_only": "Overblikket er for ledere. Spørg din leder, hvis du har brug for tallene.",
    "overview.bad_quarter": "Jeg forstår ikke kvartalet «{text}». Skriv fx K1, 2 eller 2027-K3.",
    "overview.quarter_out_of_reach": "Kvartalet «{text}» ligger for langt væk: skriv et kvartal fra {first} til {last}, fx K1 eller 2027-K3.",
    "overview.title": "*Overblik {quarter}. kvartal {year}* ({start} – {end})",
    "overview.line": "{label}: {cases} forløb · {goals} mål · registreret {completeness} · mål nået {met} · statusmøder {on_time} til tiden, {moved} flyttet, {cancelled} aflyst · tid: registrering {hours_ratings} t, statusmøder {hours_meetings} t",
    "overview.total": "Hele kommunen",
    "overview.footer": "_Tid beregnet som 1 min. pr. registrering og 60 min. pr. deltager i et statusmøde. Eksportér alt med `teambot export monitoring`._",
    # calendar feed
    "cmd.kalender.usage": "/teambot kalender [stop]",
    "cmd.kalender.summary": "Giver dig en hemmelig kalenderadresse med dine statusmøder, konsulentbesøg og småbørnscaféer til Outlook. Hver gang laves en ny, og den gamle holder op med at virke; `stop` lukker den.",
    "calendar.meeting": "Statusmøde {code}",
    "calendar.visit": "Konsulentbesøg · {institution} ({role})",
    "calendar.visit_for": "{role} for {institution}.",
    "calendar.visit_stand_in": "Stedfortræder for {name} ({role} for {institution}).",
    "calendar.visit_not_yours": "Ikke dit besøg længere: en anden {role} kommer til {institution}, eller ingen kan komme.",
    "calendar.cafe": "Småbørnscafé · {institution} ({role})",
    "calendar.cafe_children": "For {n} børn omkring 1½ år og deres forældre.",
    "calendar.cafe_children.one": "For 1 barn omkring 1½ år og forældrene.",
    "calendar.cafe_declined": "Du har svaret «Kan ikke».",
    "calendar.cafe_released": "Caféen er flyttet til en dag, du ikke er inviteret til.",
    "calendar.usage": "Skriv `/teambot kalender` for en ny kalenderadresse eller `/teambot kalender stop` for at lukke den.",
    "calendar.created": "📆 Din kalenderadresse: {url}\nAbonnér på den i Outlook (Tilføj kalender → Fra internettet). Del den ikke: den viser dine møder. En tidligere adresse virker ikke længere.",
    "calendar.created_no_url": "📆 Din kalenderadresse er botens adresse efterfulgt af {path}. Bed din administrator om den fulde adresse (TEAMBOT_PUBLIC_URL er ikke sat). En tidligere adresse virker ikke længere.",
    "calendar.revoked": "📆 Din kalenderadresse er lukket.",
    "calendar.none": "Du har ingen kalenderadresse.",
}

# Feature catalogs kept in their own modules, merged here so `t()` sees one catalog per language.
for _extra in _EXTRA:
    MESSAGES.update(_extra)
