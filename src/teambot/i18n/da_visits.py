"""Danish messages for consultant visits, the årshjul and the småbørnscafé."""

MESSAGES: dict[str, str] = {
    # commands
    "cmd.hvem.usage": "/teambot hvem [institution]",
    "cmd.hvem.summary": (
        "Viser hvem der er fast konsulent for hver faggruppe i institutionen (dine egne, hvis du ikke nævner en), "
        "og hvem der får beskederne i dag."
    ),
    "cmd.besoeg.usage": "/teambot besøg [år] [institution | alle]",
    "cmd.besoeg.summary": (
        "Viser årshjulet med konsulentbesøg uge for uge: dine egne, én institutions eller hele kommunens (`alle`)."
    ),
    "cmd.tema.usage": "/teambot tema <institution> [tekst]",
    "cmd.tema.summary": (
        "Tilføjer et tema fra forældrene til institutionens næste konsulentbesøg, fx "
        "`/teambot tema SOL Søvn og gode rutiner`. Uden tekst: viser temaerne indtil nu."
    ),
    "cmd.cafe.usage": "/teambot café [institution] | børn <måned> <antal> | tekst",
    "cmd.cafe.summary": (
        "Småbørnscaféen: `café` viser caféerne og hvem der kommer; `café børn 2027-03 4` registrerer, hvor mange "
        "børn der fylder 1½ år i måneden (kun antal); `café tekst` giver en invitation til forældrene på Aula."
    ),
    # disciplines in definite form, for running text
    "role.definite.psykolog": "psykologen",
    "role.definite.tale-hørekonsulent": "tale-hørekonsulenten",
    "role.definite.sundhedsplejerske": "sundhedsplejersken",
    "role.definite.småbørnskonsulent": "småbørnskonsulenten",
    "role.definite.fysioterapeut": "fysioterapeuten",
    "role.definite.socialrådgiver": "socialrådgiveren",
    "role.definite.pædagog": "pædagogen",
    "role.definite.leder": "lederen",
    # why lines
    "why.visit.assigned": "Du får denne besked, fordi du er {role} for {institution}.",
    "why.visit.substitute": "Du får denne besked, fordi du er stedfortræder for {name} ({role} for {institution}).",
    "why.visit.lead_fallback": (
        "Du får denne besked, fordi du er leder for {institution}, og der ikke er nogen {role}, der kan få den."
    ),
    "why.visit.lead_fallback_substitute": (
        "Du får denne besked, fordi du er stedfortræder for {name} (leder for {institution}), og der ikke er nogen "
        "{role}, der kan få den."
    ),
    "why.visit.channel": "I får denne besked, fordi kanalen hører til {institution}.",
    "why.visit.lead": "Du får denne besked, fordi du er leder for {institution}, som ikke har en kanal i teambot.",
    "why.visit.lead_of": "Du får denne besked, fordi du er leder for {institution}.",
    "why.visit.was_yours": "Du får denne besked, fordi du har fået at vide, at besøget var dit.",
    "why.visit.told_parents": "Du får denne besked, fordi forældrene har fået at vide, at du kommer.",
    "why.cafe.lead": "Du får denne besked, fordi du er leder for {institution}.",
    "why.cafe.lead_away": (
        "Du får denne besked, fordi du er leder for {institution}, og ingen står i dit sted, mens du er fraværende."
    ),
    "why.cafe.stand_in": "Du får denne besked, fordi du træder til for {name} ({role} for {institution}).",
    "why.cafe.district": (
        "Du får denne besked, fordi du er {role} i distriktet, og {institution} ikke har en fast {role}, der kan komme."
    ),
    # /teambot hvem
    "who.title": "*Hvem er hvem · {institution} ({code})* · distrikt {district}",
    "who.leads": "• leder: {names}",
    "who.none": "ingen",
    "who.line": "• {role}: {name} ({scope})",
    "who.scope_institution": "fast for institutionen",
    "who.scope_district": "for distrikt {district}",
    "who.no_one": "• {role}: ingen fast — beskeder går til lederen",
    "who.absent_substitute": " — fraværende til og med {end}; stedfortræder: {name}",
    "who.absent": " — fraværende til og med {end}; beskeder går til lederen",
    "who.footer": "_Fravær og stedfortræder registreres med `/teambot fravær`._",
    "who.which": (
        "Skriv hvilken institution, fx `/teambot hvem SOL` eller `/teambot hvem Solsikken`. "
        "Se dem alle med `/teambot institutioner`."
    ),
    # the årshjul
    "visit.unknown_institution": (
        "Jeg kender ikke institutionen «{text}». Skriv koden eller navnet, fx SOL eller Solsikken. "
        "Institutionerne: {codes}."
    ),
    "visit.unknown_institution_saving": (
        "Jeg kender ikke institutionen «{text}». Skriv koden eller navnet, fx SOL eller Solsikken. "
        "Institutionerne: {codes}. Intet er gemt."
    ),
    "visit.bad_year": "Jeg forstår ikke året «{text}». Skriv fx `/teambot besøg 2027`.",
    "visit.week": "uge {week}",
    "visit.week_of_year": "uge {week} ({year})",
    "visit.wheel_title": "*Årshjul {year} · konsulentbesøg{scope}*",
    "visit.scope_all": "hele kommunen",
    "visit.quarter": "*{n}. kvartal*",
    "visit.wheel_line": "{week}: {institution} — {name} ({role}) · {date}{state}",
    "visit.state_confirmed": " · bekræftet",
    "visit.state_moved": " · flyttet",
    "visit.state_instead": " · {name} i stedet",
    "visit.state_leads": " · ingen stedfortræder",
    "visit.more": "… og {n} besøg mere. Vælg en institution, fx `/teambot besøg {year} SOL`.",
    "visit.none_mine": (
        "Du har ingen konsulentbesøg i årshjulet for {year}. Se hele kommunens med `/teambot besøg {year} alle`."
    ),
    "visit.none_here": "{institution} har ingen konsulentbesøg i årshjulet for {year}.",
    "visit.not_planned": (
        "Årshjulet for {year} er ikke lagt endnu. teambot lægger det selv fra {october}, eller en administrator "
        "kan køre `teambot plan visits --year {year}`."
    ),
    # visit messages
    "visit.button.confirm": "Bekræft",
    "visit.button.move": "Flyt",
    "visit.confirm_headline": "🩺 Konsulentbesøg i {institution} {date} ({week})",
    "visit.confirm_body": (
        "Passer dagen? Bekræft den, eller flyt besøget til en anden arbejdsdag i kvartalet. "
        "Institutionen får en tekst til forældrene {notice}."
    ),
    "visit.notice_headline": "🩺 Konsulentbesøg {date}: {who} kommer til {institution}.",
    "visit.notice_moved": "🔁 Konsulentbesøget er flyttet til {date}: {who} kommer til {institution}.",
    "visit.notice_handed": "🔁 Ændring til konsulentbesøget {date}: {who} kommer til {institution} i stedet for {old}.",
    "visit.notice_handed_unnamed": "🔁 Ændring til konsulentbesøget {date}: {who} kommer til {institution}.",
    "visit.notice_handed_nobody": (
        "🔁 Ændring til konsulentbesøget {date}: {old} kan ikke komme til {institution}, og ingen står i stedet. "
        "Flyt besøget, eller fortæl forældrene, hvem der kommer."
    ),
    "visit.notice_post_again": "Her er en ny tekst til forældrene i stedet for den forrige, klar til at lægge på Aula:",
    "visit.handed_to": "🔁 Konsulentbesøget i {institution} {date} er ikke længere dit: {name} kommer i stedet.",
    "visit.handed_lead": "🔁 Konsulentbesøget i {institution} {date}: {name} kommer og får nu beskederne om det.",
    "visit.handed_to_leads": (
        "🔁 Konsulentbesøget i {institution} {date} er ikke længere dit. Ingen {role} står for det nu, så lederen "
        "får beskederne om det."
    ),
    "visit.taken": "🔁 Du kommer til konsulentbesøget i {institution} {date}.",
    "visit.taken_parents": "Institutionen får en ny tekst til forældrene, der nævner dig.",
    "visit.handed_parents": "Institutionen får en ny tekst til forældrene.",
    "visit.visitor": "{name} ({role})",
    "visit.someone": "en {role}",
    "visit.notice_post": "Her er en tekst til forældrene, klar til at lægge på Aula:",
    "visit.parents_arrival_named": "{date} kommer vores {role}, {name}, på besøg i {institution}.",
    "visit.parents_arrival": "{date} kommer vores {role} på besøg i {institution}.",
    "visit.parents_text": (
        "Kære forældre\n"
        "{arrival} {definite} giver personalet sparring om børnenes sundhed og trivsel, og I er velkomne til at "
        "foreslå emner, der skal tages op — for eksempel søvn, mad og måltider, hygiejne, motorik eller sprog.\n"
        "Skriv jeres forslag til os senest {deadline}.\n"
        "\n"
        "Venlig hilsen\n"
        "{institution}"
    ),
    "visit.notice_themes": (
        "Skriv forældrenes forslag ind med `/teambot tema {code} <tekst>` — {definite} får dem {n} arbejdsdage før "
        "besøget."
    ),
    "visit.reminder_headline": "🩺 Påmindelse: konsulentbesøg i {institution} {date}",
    "visit.reminder_themes": "Temaer fra forældrene ({n}):",
    "visit.reminder_no_themes": "Forældrene har ikke foreslået temaer.",
    "visit.moved_notice": "🔁 Konsulentbesøget i {institution} er flyttet fra {old} til {date} af {name}.",
    "visit.moved_not_yours": "Besøget er ikke længere dit: {name} kommer den dag.",
    "visit.moved_not_yours_leads": "Besøget er ikke længere dit: ingen {role} står for det den dag, så lederen får beskederne.",
    "visit.closed_day_notice": (
        "🔁 Konsulentbesøget i {institution} er flyttet fra {old} til {date}: {old} er blevet lukkedag i institutionen."
    ),
    # visit buttons and the move modal
    "visit.moved_answer": (
        "Besøget i {institution} er flyttet til {date}, så den knap gælder ikke længere. "
        "Skriv `/teambot besøg` for at se årshjulet. Intet er gemt."
    ),
    "visit.gone": "Det besøg findes ikke længere. Skriv `/teambot besøg` for at se årshjulet. Intet er gemt.",
    "visit.not_yours": (
        "Kun den besøgende konsulent og lederen i {institution} kan bekræfte eller flytte besøget. Intet er gemt."
    ),
    "visit.passed": "Besøget i {institution} {date} er overstået. Intet er gemt.",
    "visit.confirmed": "✅ Du har bekræftet konsulentbesøget i {institution} {date}.",
    "visit.move_hint": "Vælg den nye dag for besøget i {institution}.",
    "visit.modal.title": "Flyt besøg",
    "visit.modal.submit": "Gem",
    "visit.modal.close": "Fortryd",
    "visit.modal.new_date": "Ny dato",
    "visit.modal.about": "Besøget som {role} i *{institution}* {date} ({quarter}. kvartal)",
    "visit.bad_date": "Jeg forstår ikke datoen «{text}». Vælg en dato i kalenderen. Intet er gemt.",
    "visit.same_day": "Besøget ligger allerede {date}. Intet er gemt.",
    "visit.move_past": "{date} er allerede gået. Vælg en dag fra i dag og frem. Intet er gemt.",
    "visit.move_quarter": (
        "{date} ligger uden for besøgets kvartal. Vælg en dag fra {first} til {last}, så institutionen stadig får "
        "ét besøg i {quarter}. kvartal {year}. Intet er gemt."
    ),
    "visit.move_closed": (
        "{date} er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). Vælg en anden dag. "
        "Intet er gemt."
    ),
    "visit.move_clash": ("{name} har allerede et besøg {date} (i {institution}). Vælg en anden dag. Intet er gemt."),
    "visit.moved": "🔁 Konsulentbesøget i {institution} er flyttet til {date}. {n} får besked.",
    # /teambot tema
    "theme.usage": "Skriv fx `/teambot tema SOL Søvn og gode rutiner` (institution og tema). Intet er gemt.",
    "theme.no_visit": "{institution} har intet kommende konsulentbesøg at tilføje temaer til. Intet er gemt.",
    "theme.not_yours": ("Kun personalet i {institution} og den besøgende konsulent kan tilføje temaer. Intet er gemt."),
    "theme.too_long": "Temaet er {n} tegn; det må højst være {max}. Skriv det kortere. Intet er gemt.",
    "theme.duplicate": "Temaet «{text}» er allerede med. Intet er gemt.",
    "theme.full": "Besøget har allerede {max} temaer, og flere kan ikke nås. Intet er gemt.",
    "theme.added": (
        "📝 Temaet «{text}» er tilføjet til besøget af {definite} i {institution} {date}. Temaer indtil nu: {n}."
    ),
    "theme.already_reminded": "{who} har allerede fået påmindelsen med temaerne, så giv gerne dette tema videre selv.",
    "theme.list_title": "*Temaer til besøget af {role} i {institution} {date}*",
    "theme.list_empty": "Ingen temaer endnu. Tilføj et med `/teambot tema {code} <tekst>`.",
    # the småbørnscafé: messages
    "cafe.and": " og ",
    "cafe.closed_day_notice": (
        "🔁 Småbørnscaféen i {institution} er flyttet fra {old} til {date} {time}: {old} er blevet lukkedag i"
        " institutionen."
    ),
    "cafe.closed_day_invited": "Du får en ny invitation til den nye dag.",
    "cafe.closed_day_released": "Du er ikke inviteret til den nye dag.",
    "cafe.closed_day_parents": "Giv forældrene besked om den nye dag på Aula: `/teambot café tekst {code}`.",
    "cafe.headline": "☕ Småbørnscafé i {institution} {date} {time}",
    "cafe.title": "småbørnscaféen i {institution} {date} {time}",
    "cafe.invite_body": (
        "For de {n} børn, der fylder 1½ år i {months}, og deres forældre. Sundhedsplejerske, småbørnskonsulent, "
        "fysioterapeut og tale-hørekonsulent er inviteret sammen med institutionens pædagoger."
    ),
    "cafe.invite_body.one": (
        "For barnet, der fylder 1½ år i {months}, og forældrene. Sundhedsplejerske, småbørnskonsulent, "
        "fysioterapeut og tale-hørekonsulent er inviteret sammen med institutionens pædagoger."
    ),
    "cafe.lead_post": "Her er en invitation til forældrene, klar til at lægge på Aula:",
    "cafe.parents_text": (
        "Kære forældre\n"
        "Vi holder småbørnscafé {date} {time} i {institution} for børn, der fylder 1½ år i {months}, og deres "
        "familier. Her kan I møde {professions} og tale med dem og os om jeres barns trivsel, sprog og motorik. "
        "Søskende er også velkomne.\n"
        "Giv os gerne besked, om I kommer.\n"
        "\n"
        "Venlig hilsen\n"
        "{institution}"
    ),
    "cafe.lead_follow": "Se hvem der kommer med `/teambot café {code}`.",
    "cafe.question": "Kan du komme?",
    "cafe.button.yes": "Deltager",
    "cafe.button.no": "Kan ikke",
    "cafe.reminder_headline": "☕ Påmindelse: småbørnscafé i {institution} {date} {time}",
    "cafe.reminder_coming": "Kommer: {names}",
    "cafe.reminder_silent": "Har ikke svaret: {names}",
    "cafe.person": "{name} ({role})",
    "cafe.nobody": "ingen har svaret ja endnu",
    "cafe.unfilled": (
        "⚠️ Ingen {role} kan komme til småbørnscaféen i {institution} {date} {time}: der er ingen {role} i "
        "distriktet tilbage at spørge. Aftal gerne selv en løsning."
    ),
    "cafe.count_missing": (
        "☕ Småbørnscafé: Hvor mange børn i {institution} fylder 1½ år i {months}? "
        "Uden tal kommer de børn ikke med i en café.\n"
        "Registrér hver måned for sig, fx `/teambot café børn {month} <antal> {code}`. "
        "Skriv 0, hvis ingen børn fylder 1½ år den måned."
    ),
    # the småbørnscafé: buttons
    "cafe.moved_answer_again": (
        "Caféen i {institution} er flyttet til {date}. Svar på invitationen til den nye dag. Intet er gemt."
    ),
    "cafe.moved_answer_answered": (
        "Caféen i {institution} er flyttet til {date}, og du har allerede svaret for den dag. Intet er gemt."
    ),
    "cafe.moved_answer_released": (
        "Caféen i {institution} er flyttet til {date}, og du er ikke inviteret den dag. Intet er gemt."
    ),
    "cafe.invite_stale": (
        "Den invitation gælder ikke længere: "
        "caféen er flyttet, siden du fik den. Svar på den nye invitation, hvis du har fået en. Intet er gemt."
    ),
    "cafe.gone": "Den café findes ikke længere. Skriv `/teambot café` for at se caféerne. Intet er gemt.",
    "cafe.not_your_invite": "Invitationen er til en anden. Intet er gemt.",
    "cafe.over": "Caféen {date} er overstået. Intet er gemt.",
    "cafe.accepted": "✅ Du deltager i {cafe}. Tak! Du får en påmindelse arbejdsdagen før.",
    "cafe.declined": "❌ Du har meldt afbud til {cafe}.",
    "cafe.asking": "Jeg spørger {name} ({role}) i stedet.",
    "cafe.nobody_left": "Der er ingen anden {role} i distriktet at spørge, så lederen ({leads}) får besked.",
    "cafe.nobody_left_told": "Der er ingen anden {role} i distriktet at spørge, så {told} får besked.",
    "cafe.told_lead": "{name} (leder)",
    "cafe.told_substitute": "{name} (stedfortræder for {lead})",
    "cafe.told_away": "{name} (leder, fraværende uden stedfortræder)",
    "cafe.nobody_left_told_before": (
        "Der er ingen anden {role} i distriktet at spørge; ledelsen har allerede fået besked om, at ingen {role} kan "
        "komme."
    ),
    "cafe.nobody_left_started": (
        "Der er ingen anden {role} i distriktet at spørge, og caféen er begyndt, så der går ingen besked videre."
    ),
    "cafe.nobody_left_you_lead": (
        "Der er ingen anden {role} i distriktet at spørge, og du er selv leder, så der går ingen besked videre."
    ),
    "cafe.nobody_left_no_lead": (
        "Der er ingen anden {role} i distriktet at spørge, og der er ingen leder, teambot kan give besked."
    ),
    "cafe.nobody_left_refused": (
        "Der er ingen anden {role} i distriktet at spørge, og Slack kunne ikke levere beskeden om det til ledelsen."
    ),
    "cafe.already_declined": "Du har allerede meldt afbud. Intet er gemt.",
    "cafe.already_replaced": (
        "Du har meldt afbud, og {name} er spurgt i stedet. Tal med lederen, hvis du alligevel kan komme. Intet er gemt."
    ),
    # /teambot café
    "cafe.overview_title": "*Småbørnscafé · {institution}*",
    "cafe.overview_cafe": "{headline} — {n} børn, der fylder 1½ år i {months}",
    "cafe.overview_cafe.one": "{headline} — 1 barn, der fylder 1½ år i {months}",
    "cafe.line.invited": "⏳ {name} ({role}) — har ikke svaret",
    "cafe.line.accepted": "✅ {name} ({role}) — deltager",
    "cafe.line.declined": "❌ {name} ({role}) — kan ikke",
    "cafe.line.for": ", træder til for {name}",
    "cafe.line.unfilled": "⚠️ ingen {role} kan komme",
    "cafe.waiting_few": "Venter på flere børn: {n} børn, der fylder 1½ år i {months} (der skal være mindst {min}).",
    "cafe.waiting_few.one": "Venter på flere børn: 1 barn, der fylder 1½ år i {months} (der skal være mindst {min}).",
    "cafe.waiting": (
        "Næste: {n} børn, der fylder 1½ år i {months} — caféen i {month} foreslås senest {days} dage før."
    ),
    "cafe.waiting.one": "Næste: 1 barn, der fylder 1½ år i {months} — caféen i {month} foreslås senest {days} dage før.",
    "cafe.overview_empty": (
        "Ingen café planlagt. Registrér hvor mange børn der fylder 1½ år, fx `/teambot café børn 2027-03 4 {code}`."
    ),
    "cafe.overview_text": "Invitation til forældrene på Aula: `/teambot café tekst {code}`.",
    "cafe.none_for_you": "Du er ikke knyttet til en institution og ikke inviteret til nogen småbørnscafé.",
    "cafe.text_title": "Invitation til forældrene på Aula — {headline}:",
    "cafe.no_cafe": "{institution} har ingen kommende småbørnscafé endnu.",
    "cafe.unknown_institution_view": "Jeg kender ikke institutionen «{text}». Skriv koden eller navnet, fx SOL.",
    # /teambot café børn
    "cafe.count_usage": (
        "Skriv fx `/teambot café børn 2027-03 4` eller `/teambot café børn marts 4 SOL`: måneden, antal børn der "
        "fylder 1½ år i den, og evt. institutionen. Kun antal — aldrig navne eller fødselsdatoer. Intet er gemt."
    ),
    "cafe.bad_month": "Jeg forstår ikke måneden «{text}». Skriv fx 2027-03, marts eller marts 2027. Intet er gemt.",
    "cafe.bad_count": ("Antallet skal være et helt tal fra 0 til {max} — du skrev «{text}». Intet er gemt."),
    "cafe.month_out_of_range": (
        "{month} ligger for langt fra i dag. Registrér måneder fra {first} til {last}. Intet er gemt."
    ),
    "cafe.unknown_institution": "Jeg kender ikke institutionen «{text}». Skriv koden eller navnet, fx SOL. Intet er gemt.",
    "cafe.text_not_member": "Kun personalet i {institution} kan hente teksten til forældrene om caféen.",
    "cafe.text_no_institution": "Du er ikke knyttet til en institution, så der er ingen café at skrive til forældrene om.",
    "cafe.text_which_institution": "Skriv hvilken institution til sidst, fx `/teambot café tekst {example}`: {codes}.",
    "cafe.not_member": "Kun personalet i {institution} kan registrere børn til caféen. Intet er gemt.",
    "cafe.no_institution": "Du er ikke knyttet til en institution, så du kan ikke registrere børn. Intet er gemt.",
    "cafe.which_institution": "Skriv hvilken institution til sidst: {codes}. Intet er gemt.",
    "cafe.count_which_institution": (
        "Hvilken institution? Du kan registrere børn for {institutions}. Skriv koden til sidst, fx "
        "`/teambot café børn {example}`. Intet er gemt."
    ),
    "cafe.count_recorded": "☕ Registreret: {n} børn i {institution} fylder 1½ år i {month}",
    "cafe.count_recorded.one": "☕ Registreret: 1 barn i {institution} fylder 1½ år i {month}",
    "cafe.count_was": " (før: {old})",
    "cafe.count_in_cafe": "De er med i småbørnscaféen {date}.",
    "cafe.count_next": "teambot foreslår en café, når der er børn nok i aldersvinduet. Se status med `/teambot café`.",
    # teambot plan visits
    "plan.summary": "Årshjul {year}: {n} besøg, heraf {new} nye; {unplaced} uden dag.",
    "plan.unplaced": "Ingen dag fundet: {institution}, {role}, {quarter}. kvartal (institutionen er lukket, eller der er for lidt tilbage af kvartalet).",
    # roster problems
    "roster.bad_number": "«{value}» skal være et helt tal fra {low} til {high}",
    "roster.not_visiting": "«{value}» kan ikke komme på konsulentbesøg; brug konsulentfaggrupper, fx sundhedsplejerske",
    "roster.bad_cafe_size": "mindst {low} børn kan ikke være mere end højst {high}",
    "roster.bad_age_window": "«{value}» skal være to aldre i måneder omkring 18, fx [15, 21]",
    "roster.bad_cafe_children": 'skal være en tabel af måneder og antal, fx {{ "2027-03" = 4 }}',
    "roster.bad_month": "«{value}» er ikke en måned (ÅÅÅÅ-MM)",
    "roster.bad_count": "«{value}» er ikke et antal børn fra 0 til {max}",
}
