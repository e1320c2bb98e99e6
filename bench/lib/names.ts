// Seeded people who look like real ones, so that a name search reads the posting lists real names
// give: first names and surnames of several languages, most popular first, picked so that popular
// names repeat, and usernames built from them the way people build theirs (`maria.gonzalez`,
// `mgonzalez84`, `jan_kowalski3`). A person's names and username pattern depend on its index
// alone; only the digits that keep a username unique depend on the people before it.

interface Language {
  /** Relative share of the people. */
  weight: number;
  first: readonly string[];
  last: readonly string[];
}

function list(text: string): string[] {
  return text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

const LANGUAGES: readonly Language[] = [
  {
    weight: 20, // English
    first: list(`James, Mary, John, Patricia, Robert, Jennifer, Michael, Linda, William, Elizabeth,
      David, Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Charles, Karen, Christopher,
      Lisa, Daniel, Nancy, Matthew, Emily, Anthony, Ashley, Mark, Michelle, Steven, Amanda, Paul,
      Melissa, Andrew, Stephanie, Joshua, Rebecca, Kevin, Laura, Brian, Emma, Olivia, Liam, Noah,
      Oliver, Sophia, Ava, Ethan, Jack, Harry, Charlotte, Amelia, George, Grace, Chloe`),
    last: list(`Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor,
      Thomas, Moore, Jackson, Martin, Lee, Thompson, White, Harris, Clark, Lewis, Robinson, Walker,
      Young, Allen, King, Wright, Scott, Hill, Green, Adams, Baker, Nelson, Carter, Mitchell,
      Roberts, Turner, Phillips, Campbell, Parker, Evans, Edwards, Collins, Stewart, Morris, Murphy,
      Cook, Rogers, Morgan, Cooper, Peterson, Bailey, Reed, Kelly, Howard, Ward, Richardson,
      Watson, Brooks, Wood, Hughes, Bennett, Gray, Jenkins, Hall`),
  },
  {
    weight: 14, // Spanish
    first: list(`María, José, Carmen, Antonio, Ana, Manuel, Francisco, Laura, Juan, Lucía, David,
      Marta, Javier, Elena, Isabel, Pablo, Alejandro, Cristina, Daniel, Paula, Sergio, Carlos,
      Raquel, Miguel, Rosa, Sofía, Diego, Jorge, Luis, Fernando, Alberto, Andrés, Valentina, Camila,
      Gabriela, Mateo, Santiago, Sebastián, Adriana, Pilar, Beatriz, Dolores`),
    last: list(`García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez,
      Martín, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez,
      Navarro, Torres, Domínguez, Vázquez, Ramos, Gil, Ramírez, Serrano, Blanco, Molina, Morales,
      Suárez, Ortega, Delgado, Castro, Ortiz, Rubio, Marín, Sanz, Núñez, Iglesias, Medina, Garrido,
      Cortés, Castillo, Santos, Lozano, Guerrero, Cano, Prieto, Méndez, Cruz, Flores, Herrera, Peña,
      León, Márquez, Cabrera, Vega, Campos, Fuentes, Reyes, Rojas, Vargas, Mendoza, Aguilar`),
  },
  {
    weight: 9, // Portuguese
    first: list(`João, Maria, José, Ana, Francisco, Antônio, Carlos, Paulo, Pedro, Lucas, Luiz,
      Marcos, Gabriel, Rafael, Francisca, Daniel, Marcelo, Bruno, Eduardo, Felipe, Adriana,
      Juliana, Rodrigo, Mateus, André, Fernanda, Patrícia, Aline, Fernando, Camila, Gustavo,
      Guilherme, Amanda, Bruna, Letícia, Beatriz, Larissa, Raimundo, Manoel, Márcia`),
    last: list(`Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes,
      Costa, Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa, Rocha,
      Dias, Nascimento, Andrade, Moreira, Nunes, Marques, Machado, Mendes, Freitas, Cardoso, Ramos,
      Gonçalves, Santana, Teixeira, Araújo, Pinto, Correia, Cavalcanti, Monteiro, Moura, Carneiro,
      Azevedo, Tavares, Sousa`),
  },
  {
    weight: 8, // German
    first: list(`Maria, Ursula, Thomas, Michael, Andreas, Peter, Monika, Hans, Stefan, Klaus, Petra,
      Wolfgang, Sabine, Jürgen, Claudia, Frank, Susanne, Uwe, Andrea, Birgit, Karin, Helga, Anna,
      Lukas, Leon, Finn, Jonas, Paul, Felix, Maximilian, Lena, Lea, Hannah, Mia, Emilia, Sophie,
      Katharina, Julia, Tobias, Sebastian, Markus, Florian, Matthias, Dieter, Gerhard, Heike`),
    last: list(`Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann,
      Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun,
      Krüger, Hofmann, Hartmann, Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Schmid,
      Schulze, Maier, Köhler, Herrmann, König, Walter, Mayer, Huber, Kaiser, Fuchs, Peters, Lang,
      Scholz, Möller, Weiß, Jung, Hahn, Schubert, Vogel, Friedrich, Keller, Günther, Berger,
      Winkler, Roth, Beck, Lorenz, Baumann, Franke, Albrecht`),
  },
  {
    weight: 8, // French
    first: list(`Marie, Jean, Pierre, Michel, Philippe, Nathalie, Isabelle, Alain, Nicolas, Sophie,
      Christophe, Sylvie, Catherine, Patrick, Françoise, Monique, Julien, Camille, Léa, Manon,
      Chloé, Inès, Louise, Jade, Hugo, Louis, Gabriel, Arthur, Raphaël, Théo, Mathis, Antoine,
      Thomas, Élodie, Céline, Aurélie, Émilie, Guillaume, François, Laurent, Stéphane, Valérie,
      Sandrine`),
    last: list(`Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau,
      Simon, Laurent, Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel,
      Girard, André, Lefèvre, Mercier, Dupont, Lambert, Bonnet, François, Martinez, Legrand,
      Garnier, Faure, Rousseau, Blanc, Guérin, Muller, Henry, Roussel, Nicolas, Perrin, Morin,
      Mathieu, Clément, Gauthier, Dumont, Lopez, Fontaine, Chevalier, Robin`),
  },
  {
    weight: 8, // Indian
    first: list(`Rahul, Priya, Amit, Pooja, Rajesh, Neha, Sunil, Anjali, Suresh, Sunita, Ramesh,
      Anita, Vikram, Kavita, Sanjay, Divya, Deepak, Shreya, Anil, Ananya, Rohit, Aditi, Arjun,
      Lakshmi, Aarav, Meera, Vivaan, Nisha, Aditya, Swati, Ravi, Kiran, Arun, Vijay, Manoj, Ashok,
      Krishna, Ishaan`),
    last: list(`Patel, Sharma, Singh, Kumar, Gupta, Shah, Reddy, Rao, Iyer, Nair, Mehta, Joshi,
      Desai, Jain, Verma, Mishra, Agarwal, Chopra, Kapoor, Malhotra, Bose, Das, Banerjee,
      Chatterjee, Mukherjee, Pillai, Menon, Naidu, Yadav, Pandey, Tiwari, Saxena, Srivastava, Bhatt,
      Chauhan, Thakur, Kaur, Ghosh`),
  },
  {
    weight: 6, // Italian
    first: list(`Giuseppe, Maria, Giovanni, Anna, Antonio, Giulia, Mario, Francesca, Luigi, Chiara,
      Francesco, Sara, Angelo, Martina, Vincenzo, Alessia, Pietro, Giorgia, Salvatore, Federica,
      Carlo, Valentina, Paolo, Rosa, Luca, Angela, Marco, Giovanna, Alessandro, Lucia, Matteo,
      Elisa, Lorenzo, Silvia, Leonardo, Paola, Andrea, Simona, Riccardo, Roberta, Domenico, Bruno`),
    last: list(`Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco,
      Bruno, Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri,
      Fontana, Santoro, Mariani, Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, Longo, Gentile,
      Martinelli, Vitale, Lombardo, Serra, Coppola, De Santis, D'Angelo, Marchetti, Parisi, Villa,
      Conte, Ferraro, Fabbri, Bianco, Marini, Grasso, Valentini, Messina, Sala`),
  },
  {
    weight: 6, // Chinese (pinyin)
    first: list(`Wei, Fang, Min, Jing, Li, Lei, Jun, Yan, Hui, Ying, Xin, Hao, Yu, Jie, Tao, Ming,
      Hong, Ping, Bo, Qiang, Lin, Na, Xiu, Yun, Long, Kai, Lan, Mei, Hua, Jian, Zhen, Yi, Rui`),
    last: list(`Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo,
      He, Gao, Lin, Luo, Zheng, Liang, Xie, Song, Tang, Han, Feng, Deng, Cao, Peng, Zeng, Xiao,
      Tian, Dong, Pan, Yuan, Cai, Jiang, Du, Ye, Cheng, Su, Lu, Ding, Ren, Shen`),
  },
  {
    weight: 5, // Polish
    first: list(`Anna, Piotr, Maria, Krzysztof, Katarzyna, Andrzej, Małgorzata, Tomasz, Agnieszka,
      Paweł, Barbara, Jan, Ewa, Michał, Krystyna, Marcin, Elżbieta, Jakub, Zofia, Adam, Magdalena,
      Łukasz, Joanna, Marek, Aleksandra, Grzegorz, Monika, Mateusz, Natalia, Wojciech, Julia,
      Mariusz, Zuzanna, Dariusz, Kamil, Szymon, Antoni, Filip, Kacper`),
    last: list(`Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński,
      Kowalska, Szymański, Woźniak, Dąbrowski, Nowakowska, Kozłowski, Jankowski, Mazur,
      Wojciechowski, Kwiatkowski, Krawczyk, Kaczmarek, Piotrowski, Grabowski, Zając, Pawłowski,
      Michalski, Król, Wieczorek, Jabłoński, Wróbel, Nowakowski, Majewski, Olszewski, Stępień,
      Malinowski, Jaworski, Adamczyk, Dudek, Nowicki, Pawlak, Górski, Witkowski, Walczak`),
  },
  {
    weight: 5, // Arabic
    first: list(`Mohammed, Ahmed, Fatima, Ali, Aisha, Omar, Mariam, Youssef, Layla, Hassan, Noor,
      Ibrahim, Huda, Khalid, Salma, Abdullah, Yasmin, Mahmoud, Amina, Mustafa, Rania, Said, Sara,
      Karim, Hana, Tariq, Zainab, Samir, Leila, Nadia`),
    last: list(`Hassan, Ali, Ahmed, Mohamed, Ibrahim, Mahmoud, Khalil, Haddad, Nasser, Saleh,
      Mansour, Abdallah, Farouk, Aziz, Hamdan, Rahman, Salem, Darwish, Khoury, Sabbagh, Najjar,
      Masri, Awad, Saad, Sayed, Yousef, Kassem, Bakr, Hussein, Amin`),
  },
  {
    weight: 4, // Dutch
    first: list(`Jan, Maria, Johannes, Johanna, Cornelis, Anna, Hendrik, Cornelia, Willem,
      Elisabeth, Pieter, Sanne, Gerrit, Lotte, Dirk, Femke, Bram, Anouk, Daan, Eva, Sem, Fleur,
      Lars, Noor, Ruben, Tess, Thijs, Lieke, Jesse, Marloes, Stijn, Ingrid, Wim, Henk, Kees,
      Joost`),
    last: list(`de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit,
      Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer,
      de Wit, Dijkstra, Smits, de Graaf, van der Meer, van der Linden, Kok, Jacobs, de Haan,
      Vermeulen, van den Heuvel, van der Veen, van den Broek, de Bruijn, van der Heijden, Schouten,
      van Beek, Willems, van Vliet, Hoekstra, Maas, Verhoeven, Koster, Prins, Blom`),
  },
  {
    weight: 4, // Nordic
    first: list(`Lars, Anna, Anders, Maria, Johan, Eva, Per, Karin, Erik, Kristina, Karl, Lena,
      Nils, Sara, Mikael, Ingrid, Jan, Emma, Hans, Elin, Peter, Ida, Olof, Linnea, Oskar, Maja,
      Axel, Astrid, William, Freja, Magnus, Elsa, Björn, Vilma, Sven, Saga, Søren, Mette, Ole,
      Hanne, Sigrid, Mikko, Aino`),
    last: list(`Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson,
      Svensson, Gustafsson, Pettersson, Jonsson, Hansen, Johansen, Olsen, Larsen, Andersen,
      Pedersen, Nielsen, Jensen, Jansson, Hansson, Bengtsson, Jönsson, Lindberg, Jakobsson,
      Magnusson, Olofsson, Lindström, Lindqvist, Lindgren, Berg, Axelsson, Bergström, Lundberg,
      Kristiansen, Karlsen, Haugen, Korhonen, Virtanen, Mäkinen, Nieminen`),
  },
  {
    weight: 4, // Turkish
    first: list(`Mehmet, Fatma, Mustafa, Ayşe, Ahmet, Emine, Ali, Hatice, Hüseyin, Zeynep, Hasan,
      Elif, İbrahim, Meryem, İsmail, Zehra, Osman, Merve, Yusuf, Özlem, Murat, Esra, Ömer, Ebru,
      Emre, Büşra, Burak, Selin, Can, Deniz, Kerem, Ece, Eren, Berk`),
    last: list(`Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan,
      Doğan, Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Özcan, Korkmaz, Çakır,
      Erdoğan, Yavuz, Acar, Şen, Aktaş, Güler, Yalçın, Güneş, Bozkurt, Bulut, Keskin, Ünal, Turan`),
  },
  {
    weight: 3, // Vietnamese
    first: list(`Anh, Minh, Linh, Huy, Hương, Thảo, Trang, Đức, Hùng, Tuấn, Dũng, Hiếu, Long, Nam,
      Quang, Thanh, Hoa, Lan, Mai, Phương, Ngọc, Khoa, Thu, Hà, Vy`),
    last: list(`Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương,
      Lý`),
  },
];

const TOTAL_WEIGHT = LANGUAGES.reduce((sum, language) => sum + language.weight, 0);

/** A stream of numbers in [0, 1) that depends on `seed` alone. */
function randomStream(seed: number): () => number {
  let state = Math.imul(seed, 0x9e3779b1) >>> 0;
  return () => {
    state = (state + 0x632be5ab) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
  };
}

function pickLanguage(u: number): Language {
  let left = u * TOTAL_WEIGHT;
  for (const language of LANGUAGES) {
    left -= language.weight;
    if (left < 0) return language;
  }
  return LANGUAGES[0]!;
}

/** Squaring a uniform draw favours the head of a list: its first entry gets about 1/√n of picks. */
function pickPopular(names: readonly string[], u: number): string {
  return names[Math.floor(u * u * names.length)]!;
}

const SPECIAL_LETTERS: Record<string, string> = {
  ł: "l",
  ß: "ss",
  ø: "o",
  æ: "ae",
  đ: "d",
  ı: "i",
};

const asciiNames = new Map<string, string>();

/** How people write a name in a username: lower-case ASCII letters, no spaces or apostrophes. */
function asciiOf(name: string): string {
  let ascii = asciiNames.get(name);
  if (ascii === undefined) {
    ascii = name
      .toLowerCase()
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .replace(/[łßøæđı]/g, (letter) => SPECIAL_LETTERS[letter] ?? "")
      .replace(/[^a-z]/g, "");
    asciiNames.set(name, ascii);
  }
  return ascii;
}

type Pattern = (first: string, last: string) => string;

const PATTERNS: readonly [weight: number, pattern: Pattern][] = [
  [22, (f, l) => `${f}.${l}`],
  [18, (f, l) => `${f[0]}${l}`],
  [10, (f, l) => `${f}${l}`],
  [8, (f, l) => `${f}_${l}`],
  [10, (f) => f],
  [6, (f, l) => `${f}${l[0]}`],
  [4, (f, l) => `${l}.${f}`],
  [4, (f, l) => `${l}${f[0]}`],
  [3, (f, l) => `${f[0]}.${l}`],
];

const PATTERN_WEIGHT = PATTERNS.reduce((sum, [weight]) => sum + weight, 0);

function pickPattern(u: number): Pattern {
  let left = u * PATTERN_WEIGHT;
  for (const [weight, pattern] of PATTERNS) {
    left -= weight;
    if (left < 0) return pattern;
  }
  return PATTERNS[0]![1];
}

/** Digits people add: often none, else a birth year (`84`, `1984`) or a small number. */
function digitsOf(u: number, v: number): string {
  if (u < 0.45) return "";
  if (u < 0.7) return String((60 + Math.floor(v * 50)) % 100).padStart(2, "0");
  if (u < 0.9) return String(1 + Math.floor(v * v * 99));
  return String(1960 + Math.floor(v * 50));
}

export interface Person {
  firstName: string;
  lastName: string;
  /** The username before the digits that make it unique. */
  stem: string;
  /** Draws for the digits: the same for every run. */
  random: () => number;
}

/** Person `index`'s names, from the index alone. */
export function personOf(index: number): Person {
  const random = randomStream(index);
  const language = pickLanguage(random());
  // Some people carry a surname of another language (marriage, migration).
  const surnames = random() < 0.15 ? pickLanguage(random()).last : language.last;
  const firstName = pickPopular(language.first, random());
  const lastName = pickPopular(surnames, random());
  const stem = pickPattern(random())(asciiOf(firstName), asciiOf(lastName));
  return { firstName, lastName, stem, random };
}

// Usernames of people 1…n, extended on demand: whether a username is free depends on the people
// before it, so they are always built in index order, the same order on every run.
const usernames: string[] = [""];
const taken = new Set<string>();
const nextNumber = new Map<string, number>();

function uniqueUsername({ stem, random }: Person): string {
  let candidate = stem + digitsOf(random(), random());
  // A taken name gets other digits, as its owner would pick on a sign-up form.
  for (let tries = 0; taken.has(candidate) && tries < 3; tries++)
    candidate = stem + digitsOf(0.45 + 0.55 * random(), random());
  if (taken.has(candidate)) {
    let n = nextNumber.get(stem) ?? 100;
    while (taken.has(`${stem}${n}`)) n++;
    nextNumber.set(stem, n + 1);
    candidate = `${stem}${n}`;
  }
  taken.add(candidate);
  return candidate;
}

/** The username of person `index` (1-based): lower-case ASCII letters, digits, `.` and `_`. */
export function seededUsername(index: number): string {
  for (let i = usernames.length; i <= index; i++) usernames.push(uniqueUsername(personOf(i)));
  return usernames[index]!;
}
