"""Common names in England and Wales, most common first (order only; weights come from rank).

Lists written for this benchmark from general knowledge of common British names; they
are not an official frequency table. Rank-weighted sampling gives realistic namesakes:
many Smiths and Joneses, and some people sharing given name and surname.
"""

from __future__ import annotations

SURNAMES = """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright
Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill
Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker
Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy
Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman
Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight
Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher
Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West
Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant
Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page
Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver
Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton
Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates
Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin
Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rahman
Nowak Kowalski Mahmood Iqbal Akhtar Chowdhury Mistry Okafor Mensah Adeyemi Nguyen Wozniak Popescu
""".split()

FEMALE = """
Sarah Emma Laura Rebecca Jessica Amy Hannah Charlotte Sophie Emily Lauren Rachel Katie Chloe Elizabeth
Jennifer Nicola Victoria Samantha Claire Lucy Olivia Amelia Isla Ava Mia Grace Lily Freya Ella Isabella
Poppy Evie Sophia Millie Daisy Ruby Alice Florence Megan Holly Abigail Jade Leah Zara Aisha Fatima Maryam
Amira Priya Kayleigh Natalie Stephanie Michelle Kelly Donna Tracey Joanne Karen Susan Margaret Patricia
Helen Catherine Louise Gemma Danielle Kirsty Hayley Zoe Jasmine Eleanor Harriet Phoebe Maisie Isabel
Scarlett Matilda Elsie Rosie Eva Layla Nancy Willow Esme Violet Mary Anne Jane Deborah Amanda Julie
Caroline Alexandra Josephine Rosemary Penelope Frances Christine Theresa
""".split()

MALE = """
James John David Michael Daniel Thomas Christopher Matthew Andrew Robert William Richard Joseph Paul
Mark Jack Harry Oliver George Charlie Jacob Alfie Noah Oscar Leo Arthur Freddie Archie Henry Theo
Ethan Joshua Samuel Benjamin Lewis Liam Ryan Adam Luke Jordan Callum Connor Kieran Jamie Dylan Tyler
Mohammed Muhammad Ali Ahmed Hassan Omar Yusuf Ibrahim Aryan Rohan Arjun Peter Stephen Anthony Kevin
Gary Steven Lee Craig Darren Wayne Dean Scott Stuart Simon Martin Ian Neil Graham Keith Alan Brian
Alexander Nicholas Edward Jonathan Timothy Patrick Francis Gregory Kenneth Raymond Frederick Lawrence
Sebastian Tobias Zachary Nathan Kai Reggie Finley Teddy Elliot Max Toby Louis Ronnie Dominic Bradley
""".split()
